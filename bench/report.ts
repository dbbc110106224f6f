/**
 * Turns bench/results/*.json into the tables of bench/README.md (between the results markers)
 * and the fan-out chart bench/results/fanout.svg. Only formats what was measured: a scenario
 * that has not been run shows as not run.
 *
 *   node --import tsx bench/report.ts
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { BENCH_DIR } from "./lib/proc.js";
import { RESULTS_DIR } from "./lib/results.js";
import { median } from "./lib/stats.js";

interface Envelope<T> {
  environment: { date: string; commit: string; dirty: boolean; node: string; cpus: { count: number; model: string }; memoryGiB: number; loadavg: number[]; platform: string };
  result: T;
}
const load = <T>(name: string): Envelope<T> | null => {
  const f = path.join(RESULTS_DIR, `${name}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, "utf8")) as Envelope<T>) : null;
};
const env = (e: Envelope<unknown>["environment"]) =>
  `${e.date.slice(0, 16).replace("T", " ")} UTC, commit ${e.commit}${e.dirty ? " (+ uncommitted changes)" : ""}, ${e.cpus.count}× ${e.cpus.model}, ${e.memoryGiB} GiB, Node ${e.node}, load average ${e.loadavg.join(" / ")}`;
const n = (x: number | undefined | null) => (x === undefined || x === null || Number.isNaN(x) ? "—" : x.toLocaleString("en-US"));

type Summary = { deliveriesPerSec: number; messagesPerSec: number; p50Ms: number; p99Ms: number; p999Ms: number; serverCpuUsPerDelivery: number; serverRssMiB: number };
type FanoutEntry = { description: string; workload: { mode: string; rate: number }; parley: { summary: Summary; runs: { load1: number }[] }; ejabberd?: { summary: Summary; runs: { load1: number }[]; mam: boolean }; ratio?: { deliveriesPerSec: number; serverCpuPerDelivery: number; p99: number } };

const parts: string[] = [];

const fanout = load<Record<string, FanoutEntry | number>>("fanout-compare") ?? load<Record<string, FanoutEntry | number>>("fanout");
if (fanout) {
  const rows = Object.entries(fanout.result).filter((e): e is [string, FanoutEntry] => typeof e[1] === "object");
  // Summaries are recomputed from the individual runs, so every table uses the same median.
  type Run = { deliveriesPerSec: number; messagesPerSec: number; latencyMs: { p50: number; p99: number; p999: number }; serverCpuUsPerDelivery: number; serverRssMiB: number; load1: number };
  const summarize = (runs: Run[]): Summary => ({
    deliveriesPerSec: Math.round(median(runs.map((r) => r.deliveriesPerSec))),
    messagesPerSec: Math.round(median(runs.map((r) => r.messagesPerSec))),
    p50Ms: median(runs.map((r) => r.latencyMs.p50)),
    p99Ms: median(runs.map((r) => r.latencyMs.p99)),
    p999Ms: median(runs.map((r) => r.latencyMs.p999)),
    serverCpuUsPerDelivery: median(runs.map((r) => r.serverCpuUsPerDelivery)),
    serverRssMiB: median(runs.map((r) => r.serverRssMiB)),
  });
  for (const [, r] of rows) {
    r.parley.summary = summarize(r.parley.runs as unknown as Run[]);
    if (r.ejabberd) {
      r.ejabberd.summary = summarize(r.ejabberd.runs as unknown as Run[]);
      const p = r.parley.summary;
      const e = r.ejabberd.summary;
      const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
      r.ratio = { deliveriesPerSec: ratio(p.deliveriesPerSec, e.deliveriesPerSec), serverCpuPerDelivery: ratio(p.serverCpuUsPerDelivery, e.serverCpuUsPerDelivery), p99: ratio(p.p99Ms, e.p99Ms) };
    }
  }
  const compare = rows.some(([, r]) => r.ejabberd);
  parts.push(`### Fan-out (scenario 1${compare ? " and 5" : ""})\n\n${env(fanout.environment)}. Medians of ${rows[0]?.[1].parley.runs.length ?? 0} runs each${compare ? ", Parley and ejabberd alternating" : ""}; loads during runs: ${rows.flatMap(([, r]) => [...r.parley.runs, ...(r.ejabberd?.runs ?? [])].map((x) => x.load1)).join(", ")}.\n`);
  const head = compare
    ? "| scenario | Parley deliveries/s | ejabberd deliveries/s | ratio | Parley p50 / p99 / p99.9 ms | ejabberd p50 / p99 / p99.9 ms | server CPU µs per delivery (Parley / ejabberd) | CPU ratio |\n| --- | ---: | ---: | ---: | --- | --- | --- | ---: |"
    : "| scenario | deliveries/s | messages/s | p50 / p99 / p99.9 ms | server CPU µs per delivery | server RSS MiB |\n| --- | ---: | ---: | --- | ---: | ---: |";
  parts.push(head);
  for (const [name, r] of rows) {
    const p = r.parley.summary;
    const what = `${name}: ${r.description}${r.workload.mode === "open" ? ` at ${r.workload.rate} messages/s` : ""}`;
    if (compare && r.ejabberd) {
      const e = r.ejabberd.summary;
      parts.push(`| ${what} | ${n(p.deliveriesPerSec)} | ${n(e.deliveriesPerSec)} | ${r.ratio?.deliveriesPerSec ?? "—"}× | ${p.p50Ms} / ${p.p99Ms} / ${p.p999Ms} | ${e.p50Ms} / ${e.p99Ms} / ${e.p999Ms} | ${p.serverCpuUsPerDelivery} / ${e.serverCpuUsPerDelivery} | ${r.ratio?.serverCpuPerDelivery ?? "—"}× |`);
    } else {
      parts.push(`| ${what} | ${n(p.deliveriesPerSec)} | ${n(p.messagesPerSec)} | ${p.p50Ms} / ${p.p99Ms} / ${p.p999Ms} | ${p.serverCpuUsPerDelivery} | ${p.serverRssMiB} |`);
    }
  }
  parts.push("\n![fan-out chart](results/fanout.svg)\n");
  if (existsSync(path.join(RESULTS_DIR, "fanout-flame.svg"))) parts.push("Server CPU profile of a room-of-100 run: [results/fanout-flame.svg](results/fanout-flame.svg).\n");
  // Grouped bar chart.
  const W = 760;
  const H = 300;
  const max = Math.max(...rows.flatMap(([, r]) => [r.parley.summary.deliveriesPerSec, r.ejabberd?.summary.deliveriesPerSec ?? 0]));
  const slot = (W - 80) / rows.length;
  const bars = rows
    .map(([name, r], i) => {
      const x = 70 + i * slot;
      const h = (v: number) => (v / max) * (H - 80);
      const pv = r.parley.summary.deliveriesPerSec;
      const ev = r.ejabberd?.summary.deliveriesPerSec;
      return (
        `<rect x="${x + 8}" y="${H - 40 - h(pv)}" width="${slot / 2 - 12}" height="${h(pv)}" fill="#3b7dd8"><title>Parley ${pv}</title></rect>` +
        `<text x="${x + 8}" y="${H - 44 - h(pv)}" font-size="10">${n(pv)}</text>` +
        (ev === undefined
          ? ""
          : `<rect x="${x + slot / 2}" y="${H - 40 - h(ev)}" width="${slot / 2 - 12}" height="${h(ev)}" fill="#d8843b"><title>ejabberd ${ev}</title></rect><text x="${x + slot / 2}" y="${H - 44 - h(ev)}" font-size="10">${n(ev)}</text>`) +
        `<text x="${x + slot / 2}" y="${H - 22}" font-size="12" text-anchor="middle">${name}</text>`
      );
    })
    .join("\n");
  writeFileSync(
    path.join(RESULTS_DIR, "fanout.svg"),
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="18" font-size="13">Fan-out deliveries per second (median), ${fanout.environment.date.slice(0, 10)}, commit ${fanout.environment.commit}, load ${fanout.environment.loadavg[0]}</text>
<rect x="440" y="28" width="10" height="10" fill="#3b7dd8"/><text x="454" y="37" font-size="11">Parley (SQLite, durable)</text>
${compare ? '<rect x="620" y="28" width="10" height="10" fill="#d8843b"/><text x="634" y="37" font-size="11">ejabberd MUC (relay only)</text>' : ""}
<line x1="60" y1="${H - 40}" x2="${W - 10}" y2="${H - 40}" stroke="#333"/>
${bars}
</svg>
`,
  );
}

type Crypto = Record<string, { messages: { encryptPerSec: number; decryptPerSec: number; encryptDecryptPerSec: number; ciphertextBytes: number; signatureCeilingPerSec: number; load1: number }; commits: { members: number; addAllCommitMs: number; joinFromWelcomeMs: number; updateCommitCreateMs: number; updateCommitProcessMs: number; stateSerializeMs: number; welcomeBytes: number; groupInfoBytes: number; updateCommitBytes: number; stateBytes: number; load1: number }[] }>;
const crypto = load<Crypto>("crypto-mls");
if (crypto) {
  parts.push(`### Client crypto (scenario 4)\n\n${env(crypto.environment)}. One process. Messages run on one core; "enc+dec" is one message encrypted by its sender and decrypted by one recipient. Commits of 64 or more HPKE seals share them with a worker thread (node provider). Commit times are medians of 5 after 3 warm-up commits; the creator makes its commits first, then the member processes them. serialize() is the member's, after them: the encoding a client saves after every message it sends or receives, without the store's write.\n`);
  // The ceiling (Ed25519 sign+verify pairs/s on one core, measured in the same run) says how fast
  // this machine is: RFC 9420 signs every message, so no pair can cost less than one of those.
  // Always node:crypto's Ed25519, measured after that row's messages; the default provider signs
  // with another library, so its row gets no share.
  parts.push("| provider | encrypts/s | decrypts/s | enc+dec pairs/s | node:crypto Ed25519 sign+verify pairs/s, one core (measured after this row) | node provider's pairs as share of it | ciphertext bytes (120-byte plaintext) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [p, r] of Object.entries(crypto.result)) {
    const m = r.messages;
    const share = p === "node" ? `${Math.round((100 * m.encryptDecryptPerSec) / m.signatureCeilingPerSec)} %` : "–";
    parts.push(`| ${p} | ${n(m.encryptPerSec)} | ${n(m.decryptPerSec)} | ${n(m.encryptDecryptPerSec)} | ${n(m.signatureCeilingPerSec)} | ${share} | ${m.ciphertextBytes} |`);
  }
  parts.push("\n| provider | members | update commit create ms | process ms | serialize() ms (median of 5, no store write) | add-everyone commit ms | join ms | Welcome bytes | GroupInfo bytes | commit bytes | state bytes |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [p, r] of Object.entries(crypto.result)) {
    for (const c of r.commits) parts.push(`| ${p} | ${c.members} | ${c.updateCommitCreateMs} | ${c.updateCommitProcessMs} | ${c.stateSerializeMs} | ${c.addAllCommitMs} | ${c.joinFromWelcomeMs} | ${n(c.welcomeBytes)} | ${n(c.groupInfoBytes)} | ${n(c.updateCommitBytes)} | ${n(c.stateBytes)} |`);
  }
  parts.push("");
}

type ConnLevel = {
  connectionsPerWorker?: number[];
  target: number;
  attempted: number;
  held: number;
  failed: number;
  error: string | null;
  secondsToOpen: number;
  serverRssMiB: number;
  kibPerConnection: number;
  heapBytesPerConnection: number;
  serverCpuMsPerConnection?: number;
  postgresCpuMsPerConnection?: number;
  redisCpuMsPerConnection?: number;
  clientCpuMsPerConnection?: number;
  load1: number;
  instances?: { attempted: number; held: number; secondsToOpen: number; rssMiB: number; kibPerConnection: number; heapBytesPerConnection: number }[];
};
type ConnPart = { serverFdLimit: number; baselineRssMiB: number | number[]; levels: ConnLevel[]; instances?: number; workers?: number; devices?: number; accounts?: number; setupSeconds?: number };
type Conns = { single?: ConnPart; workers?: ConnPart; scaleOut?: ConnPart; elapsedSeconds?: number };
const conns = load<Conns>("connections");
// The --workers part run on its own (bench/connections.ts --parts workers --out connections-workers).
const connsWorkers = load<Conns>("connections-workers");
if (conns) {
  const { single, scaleOut } = conns.result;
  const cpu = (l: ConnLevel) => [l.serverCpuMsPerConnection, l.postgresCpuMsPerConnection, l.redisCpuMsPerConnection, l.clientCpuMsPerConnection].map((x) => (x === undefined ? "—" : x)).join(" / ");
  parts.push(`### Idle authenticated connections (scenario 2)\n\n${env(conns.environment)}. Server file-descriptor limit inside the run: ${n(single?.serverFdLimit ?? scaleOut?.serverFdLimit)} per process (the hard limit here). Each connection resumes a session of its own device on its server process${conns.result.elapsedSeconds ? `; the whole scenario took ${conns.result.elapsedSeconds} s` : ""}.\n`);
  parts.push("| set-up | target | held | failed | seconds to open | server RSS MiB | KiB RSS per connection | heap bytes per connection | CPU ms per connection opened: Parley / PostgreSQL / Redis / clients | load |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
  const rows = (what: string, part: ConnPart | undefined) => {
    for (const l of part?.levels ?? []) parts.push(`| ${what} | ${n(l.target)} | ${n(l.held)} | ${n(l.failed)}${l.error ? " (" + l.error + ")" : ""} | ${l.secondsToOpen} | ${n(l.serverRssMiB)} | ${l.kibPerConnection} | ${l.heapBytesPerConnection === undefined ? "—" : n(l.heapBytesPerConnection)} | ${cpu(l)} | ${l.load1} |`);
  };
  rows(`one process, SQLite (baseline RSS ${single?.baselineRssMiB} MiB)`, single);
  const workers = conns.result.workers ?? connsWorkers?.result.workers;
  if (workers) {
    rows(`one \`parley serve --workers ${workers.workers}\`, SQLite (baseline RSS ${workers.baselineRssMiB} MiB, primary and workers)`, workers);
  }
  if (scaleOut) {
    const base = scaleOut.baselineRssMiB as number[];
    rows(`${scaleOut.instances} instances, PostgreSQL + Redis (baseline RSS ${base.reduce((a, b) => a + b, 0)} MiB in all)`, scaleOut);
    const top = scaleOut.levels[scaleOut.levels.length - 1];
    if (top?.instances) {
      parts.push(`\nEach instance at ${n(top.target)} (${n(scaleOut.devices)} devices seeded through the PostgresStore, device k holding connection k of every instance; set-up with seeding ${scaleOut.setupSeconds} s):\n`);
      parts.push("| instance | held | seconds to open | RSS MiB (baseline) | KiB RSS per connection | heap bytes per connection |\n| ---: | ---: | ---: | --- | ---: | ---: |");
      top.instances.forEach((x, i) => parts.push(`| ${i + 1} | ${n(x.held)} | ${x.secondsToOpen} | ${x.rssMiB} (${base[i]}) | ${x.kibPerConnection} | ${n(x.heapBytesPerConnection)} |`));
    }
  }
  if (conns.result.workers === undefined && connsWorkers && workers) {
    parts.push(`\nThe \`--workers\` rows were run on their own (\`bench/connections.ts --parts workers --out connections-workers\`): ${env(connsWorkers.environment)}. Connections per worker at the top level: ${workers.levels.at(-1)?.connectionsPerWorker?.map((x) => n(x)).join(", ") ?? "—"}.`);
  }
  parts.push("");
}

type ScaleOutSummary = Summary & { postgresCpuUsPerDelivery: number; redisCpuUsPerDelivery: number };
type ScaleOutEntry = { description: string; setups: Record<string, { description: string; summary: ScaleOutSummary; runs: { load1: number }[] }> };
const scaled = load<Record<string, ScaleOutEntry | number>>("fanout-scaleout");
if (scaled) {
  const rows = Object.entries(scaled.result).filter((e): e is [string, ScaleOutEntry] => typeof e[1] === "object");
  const loads = rows.flatMap(([, r]) => Object.values(r.setups).flatMap((x) => x.runs.map((y) => y.load1)));
  const repeats = Object.values(rows[0]?.[1].setups ?? {})[0]?.runs.length ?? 0;
  parts.push(`### Fan-out on PostgreSQL + Redis (scenario 1, scale-out)\n\n${env(scaled.environment)}. Medians of ${repeats} runs each, set-ups taking turns; loads during runs: ${loads.join(", ")}. Every message and every ack durable in each set-up; in "two instances" the room's members and senders are split between them, so half the deliveries cross Redis.\n`);
  parts.push("| scenario | set-up | deliveries/s | messages/s | p50 / p99 / p99.9 ms | Parley CPU µs per delivery | PostgreSQL / Redis CPU µs per delivery | Parley RSS MiB |\n| --- | --- | ---: | ---: | --- | ---: | --- | ---: |");
  for (const [name, r] of rows) {
    for (const [, x] of Object.entries(r.setups)) {
      const m = x.summary;
      // Medians of an even count fall between runs: round them as the single runs are.
      const r1 = (v: number | null) => (v === null || Number.isNaN(v) ? "—" : n(Math.round(v * 10) / 10));
      const r0 = (v: number | null) => (v === null || Number.isNaN(v) ? "—" : n(Math.round(v)));
      parts.push(`| ${name}: ${r.description} | ${x.description} | ${r0(m.deliveriesPerSec)} | ${r0(m.messagesPerSec)} | ${r1(m.p50Ms)} / ${r1(m.p99Ms)} / ${r1(m.p999Ms)} | ${r1(m.serverCpuUsPerDelivery)} | ${r1(m.postgresCpuUsPerDelivery)} / ${r1(m.redisCpuUsPerDelivery)} | ${r0(m.serverRssMiB)} |`);
    }
  }
  parts.push("");
}

type Logins = Record<string, { ok: number; failed: number; perSecond: number; serverCpuMsPerOp: number; perServerCoreSecond: number; load1: number } | string | number>;
const logins = load<Logins>("logins");
if (logins) {
  parts.push(`### Registrations and logins (scenario 3)\n\n${env(logins.environment)}.\n`);
  parts.push("| operation | completed | failed | per second (this run) | server CPU ms each | per second per server core |\n| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const op of ["register", "login"]) {
    const r = logins.result[op];
    if (typeof r === "object") parts.push(`| ${op} | ${n(r.ok)} | ${n(r.failed)} | ${n(r.perSecond)} | ${r.serverCpuMsPerOp} | ${n(r.perServerCoreSecond)} |`);
  }
  parts.push("");
}

const readme = path.join(BENCH_DIR, "README.md");
const text = readFileSync(readme, "utf8");
const start = "<!-- results:start -->";
const end = "<!-- results:end -->";
const i = text.indexOf(start);
const j = text.indexOf(end);
if (i < 0 || j < 0) throw new Error("bench/README.md lacks the results markers");
writeFileSync(readme, text.slice(0, i + start.length) + "\n" + parts.join("\n") + "\n" + text.slice(j));
console.log("updated", readme);
