/* eslint-disable no-control-regex -- ANSI escape sequences are what this script reads */
// Renders tmux screen captures (capture-pane -e: text with SGR colour codes) to PNG with Debian's
// chromium, for docs/chat.md. Each grapheme gets a box as wide as the cells the terminal gave it,
// so the picture has exactly the terminal's layout whatever the fonts' own metrics.
//   PARLEY_CHAT_SCREENS=/tmp/screens node --conditions=parley-src --import tsx --test test/e2e/chat-tmux.test.ts
//   node docs/chat/render-screens.mjs /tmp/screens docs/chat
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, basename } from "node:path";
import stringWidth from "string-width";

const [src, out] = process.argv.slice(2);
const CELL_W = 9;
const CELL_H = 18;
const PAD = 12;
const BASE = ["#1d1f21", "#cc6666", "#8fbf5f", "#e0b050", "#6f9fd8", "#b294bb", "#5fb3b3", "#c5c8c6"];
const BRIGHT = ["#666666", "#ff7b7b", "#b5e07a", "#ffd479", "#8fb8ff", "#d7a8e0", "#8ee0e0", "#ffffff"];
const FG = "#d8dbd6";
const BG = "#1d1f21";

function color256(n) {
  if (n < 8) return BASE[n];
  if (n < 16) return BRIGHT[n - 8];
  if (n >= 232) {
    const v = 8 + (n - 232) * 10;
    return `rgb(${v},${v},${v})`;
  }
  const i = n - 16;
  const c = (x) => (x === 0 ? 0 : 55 + x * 40);
  return `rgb(${c(Math.floor(i / 36))},${c(Math.floor(i / 6) % 6)},${c(i % 6)})`;
}

function applySgr(style, params) {
  const p = params.length ? params : [0];
  for (let i = 0; i < p.length; i++) {
    const n = p[i];
    if (n === 0) Object.assign(style, { fg: null, bg: null, bold: false, dim: false, italic: false, inverse: false });
    else if (n === 1) style.bold = true;
    else if (n === 2) style.dim = true;
    else if (n === 3) style.italic = true;
    else if (n === 7) style.inverse = true;
    else if (n === 22) style.bold = style.dim = false;
    else if (n === 23) style.italic = false;
    else if (n === 27) style.inverse = false;
    else if (n >= 30 && n <= 37) style.fg = BASE[n - 30];
    else if (n === 39) style.fg = null;
    else if (n >= 40 && n <= 47) style.bg = BASE[n - 40];
    else if (n === 49) style.bg = null;
    else if (n >= 90 && n <= 97) style.fg = BRIGHT[n - 90];
    else if (n >= 100 && n <= 107) style.bg = BRIGHT[n - 100];
    else if ((n === 38 || n === 48) && p[i + 1] === 5) {
      style[n === 38 ? "fg" : "bg"] = color256(p[i + 2]);
      i += 2;
    } else if ((n === 38 || n === 48) && p[i + 1] === 2) {
      style[n === 38 ? "fg" : "bg"] = `rgb(${p[i + 2]},${p[i + 3]},${p[i + 4]})`;
      i += 4;
    }
  }
}

const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function toHtml(ansi, columns, rows) {
  const style = { fg: null, bg: null, bold: false, dim: false, italic: false, inverse: false };
  const lines = ansi.replace(/\n$/, "").split("\n").slice(0, rows);
  const body = lines.map((line) => {
    let html = "";
    for (const part of line.split(/(\x1b\[[0-9;]*m)/)) {
      const m = /^\x1b\[([0-9;]*)m$/.exec(part);
      if (m) {
        applySgr(style, m[1] ? m[1].split(";").map(Number) : []);
        continue;
      }
      for (const { segment } of segmenter.segment(part)) {
        const w = stringWidth(segment);
        if (w === 0) continue;
        let fg = style.fg ?? FG;
        let bg = style.bg ?? "transparent";
        if (style.inverse) [fg, bg] = [style.bg ?? BG, style.fg ?? FG];
        const css = `width:${w * CELL_W}px;color:${fg};background:${bg};${style.bold ? "font-weight:bold;" : ""}${style.dim ? "opacity:.6;" : ""}${style.italic ? "font-style:italic;" : ""}`;
        html += `<span style="${css}">${esc(segment)}</span>`;
      }
    }
    return `<div>${html}</div>`;
  });
  return `<!doctype html><meta charset="utf-8"><style>
  body{margin:0;background:${BG}}
  pre{margin:0;padding:${PAD}px;font:14px/${CELL_H}px "DejaVu Sans Mono","WenQuanYi Micro Hei Mono","Noto Color Emoji",monospace;width:${columns * CELL_W}px;height:${rows * CELL_H}px}
  div{height:${CELL_H}px;white-space:pre;overflow:hidden}
  span{display:inline-block;height:${CELL_H}px;overflow:visible;text-align:left}
  </style><pre>${body.join("")}</pre>`;
}

const tmp = mkdtempSync(join(tmpdir(), "parley-screens-"));
for (const file of readdirSync(src).filter((f) => f.endsWith(".ansi")).sort()) {
  const ansi = readFileSync(join(src, file), "utf8");
  const rows = ansi.replace(/\n$/, "").split("\n").length;
  const columns = Math.max(80, ...ansi.replace(/\x1b\[[0-9;]*m/g, "").split("\n").map((l) => stringWidth(l)));
  const html = join(tmp, `${basename(file, ".ansi")}.html`);
  writeFileSync(html, toHtml(ansi, columns, rows));
  const png = join(out, `${basename(file, ".ansi")}.png`);
  execFileSync("chromium", [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    `--window-size=${columns * CELL_W + 2 * PAD},${rows * CELL_H + 2 * PAD}`,
    `--screenshot=${png}`,
    `file://${html}`,
  ], { stdio: "ignore" });
  console.log(png);
}
