/**
 * Scenario 1 on the scale-out set-up: the same fan-out workload as bench/fanout.ts, with Parley on
 * PostgreSQL + Redis (one instance, and two instances behind the same rooms with the clients split
 * between them), next to the default SQLite set-up in the same run, alternating. Every message and
 * every ack is durable in each set-up (PostgreSQL: synchronous_commit as configured, on by
 * default). Each run gets a fresh database and Redis prefix, dropped afterwards.
 *
 *   node --conditions=parley-src --import tsx bench/fanout-scaleout.ts [--scenarios room10,room100]
 *        [--setups sqlite,pg1,pg2] [--repeats 2] [--seconds 5]
 */
import { parseArgs } from "node:util";
import { cleanUpOnExit, cleanup } from "./lib/cleanup.js";
import { load1 } from "./lib/env.js";
import { writeResult } from "./lib/results.js";
import { median } from "./lib/stats.js";
import { MLS_CIPHERTEXT_BYTES, summarizeRuns, type RunReport, type Workload } from "./lib/workload.js";
import { runParley } from "./parley/run.js";
import { runParleyScaleOut } from "./parley/scaleOutRun.js";

const { values } = parseArgs({
  options: {
    scenarios: { type: "string", default: "room10,room100" },
    setups: { type: "string", default: "sqlite,pg1,pg2" },
    repeats: { type: "string", default: "2" },
    seconds: { type: "string", default: "5" },
    "deadline-seconds": { type: "string", default: "900" },
  },
});
cleanUpOnExit(Number(values["deadline-seconds"]) * 1000);

/** The closed-loop scenarios of bench/fanout.ts, with the same parameters. */
const scenarios = [
  { name: "room10", description: "one room of 10, all 10 send, 8 in flight each (closed loop)", rooms: { members: 10, count: 1 }, workload: { mode: "closed", window: 8, sendersPerRoom: 10 } },
  { name: "room100", description: "one room of 100, 10 send, 8 in flight each (closed loop)", rooms: { members: 100, count: 1 }, workload: { mode: "closed", window: 8, sendersPerRoom: 10 } },
  { name: "room1000", description: "one room of 1000, 10 send, 2 in flight each (closed loop)", rooms: { members: 1000, count: 1 }, workload: { mode: "closed", window: 2, sendersPerRoom: 10 } },
  { name: "rooms5x100", description: "100 rooms of 5, one sender each, 4 in flight (closed loop)", rooms: { members: 5, count: 100 }, workload: { mode: "closed", window: 4, sendersPerRoom: 1 } },
] as const;

const setups: Record<string, { description: string; run: (spec: { groups: { members: number; count: number }[] }, workload: Workload) => Promise<Result> }> = {
  sqlite: { description: "SQLite, one instance (the default)", run: (spec, workload) => runParley({ spec, workload }) },
  pg1: { description: "PostgreSQL + Redis, one instance", run: (spec, workload) => runParleyScaleOut({ instances: 1, spec, workload }) },
  pg2: { description: "PostgreSQL + Redis, two instances, clients split", run: (spec, workload) => runParleyScaleOut({ instances: 2, spec, workload }) },
};

type Result = RunReport & { serverRssMiB: number; serverCpuUsPerDelivery: number; postgresCpuUsPerDelivery?: number; redisCpuUsPerDelivery?: number };
const summary = (runs: Result[]) => ({
  ...summarizeRuns(runs),
  postgresCpuUsPerDelivery: median(runs.map((r) => r.postgresCpuUsPerDelivery ?? NaN)),
  redisCpuUsPerDelivery: median(runs.map((r) => r.redisCpuUsPerDelivery ?? NaN)),
});

const selected = values.scenarios!.split(",");
const chosen = values.setups!.split(",").filter((s) => s in setups);
const out: Record<string, unknown> = {};
const startedAt = Date.now();
try {
  for (const s of scenarios.filter((x) => selected.includes(x.name))) {
    const workload: Workload = { rate: 0, ...s.workload, payloadBytes: MLS_CIPHERTEXT_BYTES, warmupMs: 1000, durationMs: Number(values.seconds) * 1000 };
    const runs: Record<string, Result[]> = Object.fromEntries(chosen.map((k) => [k, []]));
    for (let i = 0; i < Number(values.repeats); i++) {
      // Rotate which set-up goes first, so a change in the machine's load favours none.
      const order = chosen.map((_, k) => chosen[(k + i) % chosen.length]!);
      for (const name of order) {
        const r = await setups[name]!.run({ groups: [s.rooms] }, workload);
        runs[name]!.push(r);
        console.log(
          `${s.name} ${name}#${i + 1}: ${r.deliveriesPerSec} deliveries/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, ` +
            `Parley ${r.serverCpuUsPerDelivery} µs CPU/delivery` +
            (r.postgresCpuUsPerDelivery !== undefined ? `, PostgreSQL ${r.postgresCpuUsPerDelivery} µs, Redis ${r.redisCpuUsPerDelivery} µs` : "") +
            `, errors ${r.errors}, load ${r.load1}`,
        );
      }
    }
    out[s.name] = {
      description: s.description,
      workload,
      setups: Object.fromEntries(chosen.map((k) => [k, { description: setups[k]!.description, summary: summary(runs[k]!), runs: runs[k] }])),
    };
  }
  const file = writeResult("fanout-scaleout", { ...out, elapsedSeconds: Math.round((Date.now() - startedAt) / 1000), load1AtEnd: load1() });
  console.log("wrote", file);
} finally {
  await cleanup();
}
