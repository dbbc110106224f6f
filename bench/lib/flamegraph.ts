/**
 * Renders a V8 .cpuprofile (node --cpu-prof) as a flame graph SVG: one box per call path, width
 * proportional to CPU samples, callers below callees. Idle time and module loading are left out
 * so the picture shows the steady state. Our own small renderer: no external tools needed.
 *
 *   node --import tsx bench/lib/flamegraph.ts PROFILE.cpuprofile OUT.svg "title"
 */
import { readFileSync, writeFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface Frame {
  name: string;
  self: number;
  total: number;
  children: Map<string, Frame>;
}

const SKIP = new Set(["(idle)", "(program)", "(garbage collector)"]);
const STARTUP = /^(compileSourceTextModule|loadAndTranslate|Module\._load|wrapSafe|makeSyncRequest|makeAsyncRequest|waitForWorker|initializeHooks|run_main_module)$/;

function label(n: ProfileNode): string {
  const file = n.callFrame.url.split("/").pop() ?? "";
  const fn = n.callFrame.functionName || "(anonymous)";
  return file ? `${fn} ${file}` : fn;
}

export function flameGraph(profile: Profile, title: string): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const root: Frame = { name: "all", self: 0, total: 0, children: new Map() };
  let gcTime = 0;
  for (const [id, t] of self) {
    const path: string[] = [];
    let startup = false;
    for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) {
      const n = byId.get(x)!;
      if (STARTUP.test(n.callFrame.functionName)) startup = true;
      path.push(label(n));
    }
    path.reverse();
    path.shift(); // (root)
    const leaf = path[path.length - 1] ?? "";
    if (leaf === "(garbage collector)") gcTime += t;
    if (startup || SKIP.has(leaf)) continue;
    let f = root;
    f.total += t;
    for (const name of path) {
      let c = f.children.get(name);
      if (!c) {
        c = { name, self: 0, total: 0, children: new Map() };
        f.children.set(name, c);
      }
      c.total += t;
      f = c;
    }
    f.self += t;
  }
  const W = 1200;
  const ROW = 16;
  let depthMax = 0;
  const boxes: string[] = [];
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const color = (name: string) => {
    if (/sqlite|Sqlite|transaction|groupCommit|log\.ts|delivery\.ts|conversations\.ts|accounts\.ts/.test(name)) return "#e8a33d";
    if (/writev|_write|uncork|sender\.js|Writable|Socket|stream_base|receiver\.js|websocket\.js|Readable/.test(name)) return "#6aa6d6";
    if (/Pusher|entryCache|Connection|handlers|messages\.ts|codec/.test(name)) return "#7cc07c";
    return "#d9826b";
  };
  const draw = (f: Frame, x: number, depth: number, scale: number) => {
    depthMax = Math.max(depthMax, depth);
    const w = f.total * scale;
    if (w < 0.3) return;
    boxes.push(
      `<g><title>${esc(f.name)} — ${((f.total / root.total) * 100).toFixed(1)}%</title><rect x="${x.toFixed(1)}" y="${depth}" width="${w.toFixed(1)}" height="${ROW - 1}" fill="${color(f.name)}" rx="2"/>` +
        (w > 60 ? `<text x="${(x + 3).toFixed(1)}" y="${depth}" dy="12" font-size="11" font-family="monospace">${esc(f.name.slice(0, Math.floor(w / 7)))}</text>` : "") +
        "</g>",
    );
    let cx = x;
    for (const c of [...f.children.values()].sort((a, b) => b.total - a.total)) {
      draw(c, cx, depth + 1, scale);
      cx += c.total * scale;
    }
  };
  draw(root, 0, 0, W / Math.max(1, root.total));
  const H = (depthMax + 1) * ROW + 40;
  // Depth d is drawn at the bottom for d = 0 (a classic flame graph grows upwards).
  const body = boxes.map((b) => b.replace(/ y="(\d+)"/g, (_, d: string) => ` y="${H - 10 - (Number(d) + 1) * ROW}"`)).join("\n");
  const gcShare = ((gcTime / (root.total + gcTime)) * 100).toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">
<rect width="100%" height="100%" fill="#fff"/>
<text x="4" y="16" font-size="13" font-family="sans-serif">${esc(title)} — width = CPU time (idle and start-up left out; GC ${gcShare}%). Orange: SQLite, blue: sockets/ws, green: Parley server code.</text>
${body}
</svg>
`;
}

if (process.argv[1]?.endsWith("flamegraph.ts")) {
  const [input, output, title] = process.argv.slice(2);
  if (!input || !output) throw new Error("usage: flamegraph.ts PROFILE.cpuprofile OUT.svg [title]");
  writeFileSync(output, flameGraph(JSON.parse(readFileSync(input, "utf8")) as Profile, title ?? input));
}
