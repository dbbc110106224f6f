/**
 * Scenario 1 (and 5): fan-out. Rooms of 10, 100 and 1000 devices, and many small rooms; closed
 * loop (each sender keeps a window of messages in flight: the peak) and open loop (a fixed rate:
 * latency under a load both servers can carry). Payloads are the size of a real MLS ciphertext.
 * Parley stores every message durably (SQLite, WAL) and every delivery is acked into a durable
 * cursor; with --compare, ejabberd (Debian's package) runs the same workload over XMPP MUC in the
 * same run, alternating with Parley, and the Parley/ejabberd ratios are reported.
 *
 *   node --conditions=parley-src --import tsx bench/fanout.ts [--compare] [--repeats 2] [--seconds 5]
 *        [--scenarios room10,room100,room1000,rooms5x100,open10] [--mam] [--open-rate 575] [--workers 2]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { flameGraph } from "./lib/flamegraph.js";
import { load1 } from "./lib/env.js";
import { RESULTS_DIR, writeResult } from "./lib/results.js";
import { MLS_CIPHERTEXT_BYTES, summarizeRuns, type RunReport, type Workload } from "./lib/workload.js";
import { runParley, type ServerSide } from "./parley/run.js";
import { ejabberdInstalled } from "./xmpp/ejabberd.js";
import { runEjabberd } from "./xmpp/run.js";

const { values } = parseArgs({
  options: {
    compare: { type: "boolean", default: false },
    mam: { type: "boolean", default: false },
    repeats: { type: "string", default: "2" },
    seconds: { type: "string", default: "5" },
    scenarios: { type: "string", default: "room10,room100,room1000,rooms5x100,open10" },
    out: { type: "string" },
    /** The open-loop rate (messages/s), fixed instead of half of ejabberd's room10 peak. */
    "open-rate": { type: "string" },
    /** Also profile the server through one room100 run and write the flame graph. */
    flame: { type: "boolean", default: false },
    /** Parley server processes (`parley serve --workers N`). */
    workers: { type: "string", default: "1" },
  },
});
const REPEATS = Number(values.repeats);
const SECONDS = Number(values.seconds);
const WORKERS = Number(values.workers);
if (values.compare && !ejabberdInstalled()) throw new Error("--compare needs ejabberd: apt-get install ejabberd");

interface Scenario {
  name: string;
  description: string;
  rooms: { members: number; count: number };
  workload: Omit<Workload, "warmupMs" | "durationMs" | "payloadBytes" | "rate"> & { rate?: number };
}

const scenarios: Scenario[] = [
  { name: "room10", description: "one room of 10, all 10 send, 8 in flight each (closed loop)", rooms: { members: 10, count: 1 }, workload: { mode: "closed", window: 8, sendersPerRoom: 10 } },
  { name: "room100", description: "one room of 100, 10 send, 8 in flight each (closed loop)", rooms: { members: 100, count: 1 }, workload: { mode: "closed", window: 8, sendersPerRoom: 10 } },
  { name: "room1000", description: "one room of 1000, 10 send, 2 in flight each (closed loop)", rooms: { members: 1000, count: 1 }, workload: { mode: "closed", window: 2, sendersPerRoom: 10 } },
  { name: "rooms5x100", description: "100 rooms of 5, one sender each, 4 in flight (closed loop)", rooms: { members: 5, count: 100 }, workload: { mode: "closed", window: 4, sendersPerRoom: 1 } },
  // Open loop: a fixed rate, set to half of ejabberd's peak in room10 when it was measured in
  // this run (the latency target), else a fixed 500 messages/s.
  { name: "open10", description: "one room of 10, all send, fixed total rate (open loop)", rooms: { members: 10, count: 1 }, workload: { mode: "open", window: 0, sendersPerRoom: 10 } },
];

type Result = RunReport & ServerSide;
const summary = (runs: Result[]) => summarizeRuns(runs);

const selected = values.scenarios!.split(",");
const out: Record<string, unknown> = {};
const startedAt = Date.now();
let openRate = values["open-rate"] ? Number(values["open-rate"]) : 500;
for (const s of scenarios.filter((x) => selected.includes(x.name))) {
  const workload: Workload = { rate: openRate, ...s.workload, payloadBytes: MLS_CIPHERTEXT_BYTES, warmupMs: 1000, durationMs: SECONDS * 1000 };
  if (s.workload.mode === "open") workload.rate = openRate;
  const parley: Result[] = [];
  const ejabberd: Result[] = [];
  for (let i = 0; i < REPEATS; i++) {
    // Alternate which goes first, so a change in the machine's load favours neither.
    const order = i % 2 === 0 ? ["parley", "ejabberd"] : ["ejabberd", "parley"];
    for (const who of order) {
      if (who === "ejabberd" && !values.compare) continue;
      const r =
        who === "parley"
          ? await runParley({ spec: { groups: [s.rooms] }, workload, workers: WORKERS })
          : await runEjabberd({ rooms: Array(s.rooms.count).fill(s.rooms.members), workload, mam: values.mam! });
      (who === "parley" ? parley : ejabberd).push(r);
      console.log(`${s.name} ${who}#${i + 1}: ${r.deliveriesPerSec} deliveries/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, server ${r.serverCpuUsPerDelivery} µs CPU/delivery, generator ${"loadgenCpuUsPerDelivery" in r ? r.loadgenCpuUsPerDelivery : "?"} µs, load ${r.load1}`);
    }
  }
  const entry: Record<string, unknown> = { description: s.description, workload, parley: { summary: summary(parley), runs: parley } };
  if (values.compare) {
    const e = summary(ejabberd);
    const p = summary(parley);
    entry.ejabberd = { summary: e, runs: ejabberd, mam: values.mam };
    entry.ratio = {
      deliveriesPerSec: Math.round((p.deliveriesPerSec / e.deliveriesPerSec) * 100) / 100,
      serverCpuPerDelivery: Math.round((p.serverCpuUsPerDelivery / e.serverCpuUsPerDelivery) * 100) / 100,
      p99: Math.round((p.p99Ms / e.p99Ms) * 100) / 100,
    };
    console.log(`${s.name} ratio Parley/ejabberd:`, JSON.stringify(entry.ratio));
    if (s.name === "room10" && !values["open-rate"]) openRate = Math.max(100, Math.round(e.messagesPerSec / 2));
  }
  out[s.name] = entry;
}
if (values.flame) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parley-prof-"));
  const s = scenarios.find((x) => x.name === "room100")!;
  const workload: Workload = { rate: 0, ...s.workload, payloadBytes: MLS_CIPHERTEXT_BYTES, warmupMs: 1000, durationMs: SECONDS * 1000 };
  const r = await runParley({ spec: { groups: [s.rooms] }, workload, cpuProfileDir: dir });
  // The server is the biggest profile in the directory (tsx's loader thread writes a small one).
  const profile = readdirSync(dir).map((f) => path.join(dir, f)).sort((a, b) => statSync(b).size - statSync(a).size)[0]!;
  const title = `Parley server, fan-out room of 100 (${r.deliveriesPerSec} deliveries/s while profiled)`;
  writeFileSync(path.join(RESULTS_DIR, "fanout-flame.svg"), flameGraph(JSON.parse(readFileSync(profile, "utf8")), title));
  rmSync(dir, { recursive: true, force: true });
  console.log("wrote", path.join(RESULTS_DIR, "fanout-flame.svg"));
}
const file = writeResult(values.out ?? (values.compare ? "fanout-compare" : "fanout"), { ...out, elapsedSeconds: Math.round((Date.now() - startedAt) / 1000), load1AtEnd: load1() });
console.log("wrote", file);
