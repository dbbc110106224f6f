/**
 * Terminal cell arithmetic. Layout must be measured in cells, not UTF-16 units: an emoji or a CJK
 * ideograph takes two cells, a combining mark none. Everything that cuts or pads text for the
 * screen goes through here, so one wide character cannot push a border out of place.
 */
import stringWidth from "string-width";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const graphemeWidths = new Map<string, number>();

/** Cells the text takes in a terminal. */
export function cellWidth(text: string): number {
  // string-width is thorough but costly (a quarter of a millisecond for a long line), and layout
  // measures every line of every message: plain ASCII is counted directly, the rest from caches.
  if (PRINTABLE_ASCII.test(text)) return text.length;
  if (text.includes("\x1b")) return stringWidth(text); // colour codes (the QR code) take no cells
  // Without joiners, variation selectors, flags or skin tones, a grapheme's width is the sum of its
  // code points' (a combining mark after its base adds nothing), so code points are counted one by
  // one from a cache; otherwise whole graphemes are.
  const byGrapheme = SEQUENCE.test(text) || COMBINING_START.test(text);
  const cache = byGrapheme ? graphemeWidths : codePointWidths;
  let total = 0;
  for (const part of byGrapheme ? Array.from(segmenter.segment(text), (x) => x.segment) : text) {
    let w = cache.get(part);
    if (w === undefined) {
      w = !byGrapheme && COMBINING.test(part) ? 0 : stringWidth(part);
      if (cache.size < 10_000) cache.set(part, w);
    }
    total += w;
  }
  return total;
}

const codePointWidths = new Map<string, number>();
const COMBINING_START = /^\p{M}/u;
const COMBINING = /^\p{M}$/u;

/** Code points that make multi-code-point emoji, whose width is not the sum of their parts. */
const SEQUENCE = { test: (text: string) => [...text].some(isSequencePart) };

function isSequencePart(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  return (
    cp === 0x200d || // zero-width joiner
    cp === 0xfe0e ||
    cp === 0xfe0f || // variation selectors
    cp === 0x20e3 || // keycap
    (cp >= 0x1f1e6 && cp <= 0x1f1ff) || // regional indicators (flags)
    (cp >= 0x1f3fb && cp <= 0x1f3ff) || // skin tones
    (cp >= 0xe0020 && cp <= 0xe007f) // tag sequences
  );
}

/** Grapheme clusters (what a user sees as one character: a flag, a family emoji, é). */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Cuts text to at most `width` cells, ending with "…" when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  if (cellWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const g of graphemes(text)) {
    const w = cellWidth(g);
    if (used + w > width - 1) break;
    out += g;
    used += w;
  }
  return `${out}…`;
}

/** Pads (or truncates) text to exactly `width` cells. */
export function fit(text: string, width: number): string {
  const t = truncate(text, width);
  return t + " ".repeat(Math.max(0, width - cellWidth(t)));
}

/**
 * Wraps text into lines of at most `width` cells, at spaces where possible, otherwise between
 * graphemes (CJK has no spaces). Newlines in the text are kept. Never returns an empty list.
 */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const out: string[] = [];
  for (const para of text.split("\n")) {
    let line = "";
    let lineW = 0;
    // Words keep their trailing space so that spacing survives; a space at a line end is dropped.
    for (const word of para.split(/(?<= )/)) {
      const ww = cellWidth(word);
      if (lineW + cellWidth(word.trimEnd()) <= w) {
        line += word;
        lineW += ww;
        continue;
      }
      if (line) {
        out.push(line.trimEnd());
        line = "";
        lineW = 0;
      }
      if (cellWidth(word.trimEnd()) <= w) {
        line = word;
        lineW = ww;
        continue;
      }
      // Only a word longer than the whole line is cut, between graphemes.
      for (const g of graphemes(word)) {
        const gw = cellWidth(g);
        if (lineW + gw > w && !(g === " ")) {
          out.push(line.trimEnd());
          line = "";
          lineW = 0;
        }
        line += g;
        lineW += gw;
      }
    }
    out.push(line.trimEnd());
  }
  return out;
}

const RTL = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/;

/** True when the text holds right-to-left script (Hebrew, Arabic, Syriac, Thaana…). */
export function hasRtl(text: string): boolean {
  return RTL.test(text);
}

/** Removes control characters a sender could use to move our cursor or recolour the screen. */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g, "").replace(/\t/g, "  ");
}
