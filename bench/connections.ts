/**
 * Scenario 2: authenticated idle WebSocket connections held by one Parley server, and the
 * server's memory per connection, at 10k, 50k and 100k. The file-descriptor limits of the server
 * and client processes are raised inside the run (prlimit, as root); connections come from
 * several 127.0.0.x source addresses; each level has a time budget, and the result says what
 * was reached.
 *
 *   node --conditions=parley-src --import tsx bench/connections.ts [--levels 10000,50000,100000]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { load1 } from "./lib/env.js";
import { forkTs, nextMessage, stopChild } from "./lib/proc.js";
import { writeResult } from "./lib/results.js";
import type { Seeded } from "./parley/seed.js";

const { values } = parseArgs({
  options: {
    levels: { type: "string", default: "10000,50000,100000" },
    clients: { type: "string", default: "4" },
    "budget-seconds": { type: "string", default: "240" },
  },
});
const levels = values.levels!.split(",").map(Number);
const CLIENT_PROCS = Number(values.clients);
const FD_LIMIT = 400_000;
/** Sessions shared by the connections (a session may be resumed on any number of them). */
const ACCOUNTS = 1000;
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

/**
 * Raises a child's file-descriptor limit to `limit`, or, where the hard limit cannot be raised
 * (a container without CAP_SYS_RESOURCE), its soft limit to the hard one. Returns what it got.
 */
function raiseFdLimit(pid: number, limit: number): number {
  try {
    execFileSync("prlimit", ["--pid", String(pid), `--nofile=${limit}:${limit}`], { stdio: "ignore" });
  } catch {
    const hard = execFileSync("prlimit", ["--pid", String(pid), "--nofile", "--output=HARD", "--noheadings"], { encoding: "utf8" }).trim();
    execFileSync("prlimit", ["--pid", String(pid), `--nofile=${hard}:${hard}`], { stdio: "ignore" });
  }
  return Number(execFileSync("prlimit", ["--pid", String(pid), "--nofile", "--output=SOFT", "--noheadings"], { encoding: "utf8" }).trim());
}

const dir = mkdtempSync(path.join(os.tmpdir(), "parley-conns-"));
writeFileSync(path.join(dir, "seed.json"), JSON.stringify({ groups: [], loners: ACCOUNTS }));
const server = forkTs(
  "parley/serverProcess.ts",
  ["--data", path.join(dir, "data"), "--seed", path.join(dir, "seed.json"), "--max-connections", String(FD_LIMIT)],
  ["--expose-gc", "--max-old-space-size=8192"],
);
const serverFdLimit = raiseFdLimit(server.pid!, FD_LIMIT);
/** What one server process can hold here: its descriptor limit, less room for the database and logs. */
const reachable = serverFdLimit - 100;
console.log(`server file-descriptor limit: ${serverFdLimit}`);
const stats = async () => {
  server.send({ cmd: "stats" });
  return (await nextMessage<{ stats: { rssBytes: number; heapUsedBytes: number; externalBytes: number; connections: number } }>(server, "stats", 60_000)).stats;
};
const results: Record<string, unknown>[] = [];
const clients = Array.from({ length: CLIENT_PROCS }, () => {
  const c = forkTs("parley/idleClients.ts", [], ["--max-old-space-size=8192"]);
  raiseFdLimit(c.pid!, FD_LIMIT);
  return c;
});
try {
  const ready = await nextMessage<{ wsUrl: string; seeded: Seeded }>(server, "ready", 300_000);
  const tokens = ready.seeded.clients.map((c) => c.token);
  const baseline = await stats();
  console.log(`baseline: ${Math.round(baseline.rssBytes / 2 ** 20)} MiB RSS`);
  let held = 0;
  for (const wanted of levels) {
    const level = Math.min(wanted, reachable);
    const t0 = performance.now();
    const perClient = Math.ceil((level - held) / CLIENT_PROCS);
    const done = clients.map((c) => nextMessage<{ opened: number; failed: number }>(c, "opened", Number(values["budget-seconds"]) * 1000));
    clients.forEach((c) => c.send({ cmd: "open", wsUrl: ready.wsUrl, tokens, count: perClient, sourceAddresses: SOURCES }));
    let failed = 0;
    let error: string | null = null;
    try {
      for (const r of await Promise.all(done)) failed += r.failed;
    } catch (e) {
      error = String(e);
    }
    const s = await stats();
    held = s.connections;
    const perConnection = (s.rssBytes - baseline.rssBytes) / held;
    const r = {
      target: wanted,
      attempted: level,
      held,
      failed,
      error,
      secondsToOpen: Math.round((performance.now() - t0) / 100) / 10,
      serverRssMiB: Math.round(s.rssBytes / 2 ** 20),
      serverHeapUsedMiB: Math.round(s.heapUsedBytes / 2 ** 20),
      bytesPerConnection: Math.round(perConnection),
      kibPerConnection: Math.round((perConnection / 1024) * 10) / 10,
      heapBytesPerConnection: Math.round((s.heapUsedBytes - baseline.heapUsedBytes) / held),
      load1: load1(),
    };
    console.log(JSON.stringify(r));
    results.push(r);
    if (error !== null || held < level * 0.99 || level < wanted) break;
  }
  writeResult("connections", { serverFdLimit, baselineRssMiB: Math.round(baseline.rssBytes / 2 ** 20), accounts: ACCOUNTS, clientProcesses: CLIENT_PROCS, sourceAddresses: SOURCES.length, levels: results });
} finally {
  await Promise.all(clients.map((c) => stopChild(c)));
  await stopChild(server, 60_000);
  rmSync(dir, { recursive: true, force: true });
}
