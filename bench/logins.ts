/**
 * Scenario 3: registrations and logins per second on the server side (OPAQUE, RFC 9807), each on
 * a fresh connection, driven by several client processes. The per-connection OPAQUE rate limit is
 * raised for the run (it exists to slow one attacker's guesses, not a crowd of users). Reports
 * throughput and the server's CPU time per operation, which is what capacity planning needs on
 * a machine whose load varies.
 *
 *   node --conditions=parley-src --import tsx bench/logins.ts [--count 2000] [--clients 3]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { cpuSeconds } from "./lib/cpu.js";
import { load1 } from "./lib/env.js";
import { forkTs, nextMessage, stopChild } from "./lib/proc.js";
import { writeResult } from "./lib/results.js";

const { values } = parseArgs({ options: { count: { type: "string", default: "2000" }, clients: { type: "string", default: "3" } } });
const COUNT = Number(values.count);
const CLIENTS = Number(values.clients);

const dir = mkdtempSync(path.join(os.tmpdir(), "parley-logins-"));
writeFileSync(path.join(dir, "seed.json"), JSON.stringify({ groups: [] }));
const server = forkTs("parley/serverProcess.ts", ["--data", path.join(dir, "data"), "--seed", path.join(dir, "seed.json"), "--auth-rate", "1000000"]);
const out: Record<string, unknown> = {};
try {
  const { wsUrl } = await nextMessage<{ wsUrl: string }>(server, "ready", 120_000);
  const usernames = Array.from({ length: COUNT }, (_, i) => `user${i}`);
  for (const mode of ["register", "login"] as const) {
    const cpu0 = cpuSeconds(server.pid!);
    const t0 = performance.now();
    const procs = Array.from({ length: CLIENTS }, (_, c) => {
      const p = forkTs("parley/authClients.ts");
      const mine = usernames.filter((_, i) => i % CLIENTS === c);
      const done = nextMessage<{ done: { ok: number; failed: number } }>(p, "done", 600_000);
      p.send({ cmd: "run", wsUrl, mode, usernames: mine, concurrency: 8 });
      return { p, done };
    });
    let ok = 0;
    let failed = 0;
    for (const { p, done } of procs) {
      const r = (await done).done;
      ok += r.ok;
      failed += r.failed;
      await stopChild(p);
    }
    const seconds = (performance.now() - t0) / 1000;
    const serverCpu = cpuSeconds(server.pid!) - cpu0;
    out[mode] = {
      ok,
      failed,
      seconds: Math.round(seconds * 10) / 10,
      perSecond: Math.round(ok / seconds),
      serverCpuMsPerOp: Math.round(((serverCpu * 1000) / ok) * 100) / 100,
      /** What one fully busy server core would sustain at that CPU cost. */
      perServerCoreSecond: Math.round(ok / serverCpu),
      load1: load1(),
    };
    console.log(mode, JSON.stringify(out[mode]));
  }
  writeResult("logins", { clientProcesses: CLIENTS, clientKeyStretching: "argon2id 8 KiB, 1 iteration (client-side only)", ...out });
} finally {
  await stopChild(server);
  rmSync(dir, { recursive: true, force: true });
}
