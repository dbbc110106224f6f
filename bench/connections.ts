/**
 * Scenario 2: authenticated idle WebSocket connections held, and the server's memory per
 * connection, at 10k, 50k and 100k.
 *
 * Three parts:
 * - **single**: one server process with the default set-up (SQLite, in-process bus), as many
 *   connections as one process can hold. The file-descriptor limit is raised inside the run
 *   (prlimit, as root); where the hard limit cannot be raised (a container without
 *   CAP_SYS_RESOURCE: 20,000 here), the soft limit goes up to the hard one and that caps the count.
 * - **workers**: the 10k/50k/100k levels held by one `parley serve --workers N` on SQLite (N =
 *   --instances): N worker processes, each under its own descriptor limit, share the port and the
 *   one database file, with no PostgreSQL or Redis. (Heap per connection is not gathered here: it
 *   is per worker; RSS is summed over the primary and its workers.)
 * - **scale-out**: the 10k/50k/100k levels, held by several server instances on this host sharing
 *   one PostgreSQL database and one Redis (Parley's documented scale-out topology,
 *   docs/operations.md), each on its own loopback port and under its own descriptor limit, with
 *   one idle-client process per instance (under the same limit).
 *
 * Every connection resumes a session of its own device on its instance (in the scale-out part,
 * device k holds connection k of each instance: no instance sees a device twice, so its memory per
 * connection is that of distinct devices, while seeding stays within seconds). Connections come
 * from several 127.0.0.x source addresses (one address has ~28k ephemeral ports). Each level has
 * a time budget, the whole run a deadline, and everything it started is stopped (and the bench
 * database dropped) however it ends; the result says what was reached.
 *
 *   node --conditions=parley-src --import tsx bench/connections.ts [--levels 10000,50000,100000]
 *        [--instances 6] [--single-levels 10000,20000] [--parts single,workers,scaleout] [--budget-seconds 300] [--source-addresses 8]
 */
import { execFileSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { cleanUpOnExit, cleanup, onCleanup } from "./lib/cleanup.js";
import { cpuSeconds, descendants, treeCpuSeconds } from "./lib/cpu.js";
import { load1 } from "./lib/env.js";
import { forkTs, nextMessage, stopChild } from "./lib/proc.js";
import { writeResult } from "./lib/results.js";
import { servicesCpuSeconds } from "./lib/services.js";
import { startScaleOut, type InstanceStats } from "./parley/scaleOut.js";
import type { Seeded } from "./parley/seed.js";

const { values } = parseArgs({
  options: {
    levels: { type: "string", default: "10000,50000,100000" },
    instances: { type: "string", default: "6" },
    "single-levels": { type: "string", default: "10000,20000" },
    parts: { type: "string", default: "single,workers,scaleout" },
    "single-clients": { type: "string", default: "4" },
    /** PostgreSQL connections per instance: a resume is a few short reads. */
    "db-pool": { type: "string", default: "4" },
    "budget-seconds": { type: "string", default: "300" },
    "deadline-seconds": { type: "string", default: "1080" },
    /** Loopback source addresses to spread connections over; 0 lets the kernel pick (by destination). */
    "source-addresses": { type: "string", default: "8" },
    /** Result name under results/ (default "connections"). */
    out: { type: "string", default: "connections" },
  },
});
const numbers = (s: string) => s.split(",").filter(Boolean).map(Number);
const parts = values.parts!.split(",");
const INSTANCES = Number(values.instances);
const BUDGET_MS = Number(values["budget-seconds"]) * 1000;
const FD_LIMIT = 400_000;
/** Descriptors a server process keeps for itself (database, logs, Redis, listening socket). */
const FD_RESERVE = 100;
const SOURCES = Array.from({ length: Number(values["source-addresses"]) }, (_, i) => `127.0.0.${i + 2}`);
cleanUpOnExit(Number(values["deadline-seconds"]) * 1000);

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

const stats = async (server: ChildProcess): Promise<InstanceStats> => {
  const answer = nextMessage<{ stats: InstanceStats }>(server, "stats", 60_000);
  server.send({ cmd: "stats" });
  return (await answer).stats;
};

/** Idle-client processes, each with its descriptor limit raised like the servers'; stopped at clean-up. */
function startClients(count: number): { clients: ChildProcess[]; stop: () => Promise<void> } {
  const clients = Array.from({ length: count }, () => forkTs("parley/idleClients.ts"));
  for (const c of clients) raiseFdLimit(c.pid!, FD_LIMIT);
  const stop = onCleanup("stop idle clients", async () => {
    await Promise.all(clients.map((c) => stopChild(c)));
  });
  return { clients, stop };
}

interface Batch {
  client: ChildProcess;
  wsUrl: string;
  tokens: string[];
}

/** Opens every batch at once; resolves with what failed and how long each batch took. */
async function open(batches: Batch[]): Promise<{ failed: number; failures: Record<string, number>; error: string | null; seconds: number; batchSeconds: number[]; clientCpuSeconds: number }> {
  const t0 = performance.now();
  const clientCpu = () => batches.reduce((a, b) => a + cpuSeconds(b.client.pid!), 0);
  const cpu0 = clientCpu();
  const batchSeconds: number[] = batches.map(() => NaN);
  const done = batches.map((b, i) => {
    const answer = nextMessage<{ opened: number; failed: number; reasons: Record<string, number> }>(b.client, "opened", BUDGET_MS).then((r) => {
      batchSeconds[i] = round1((performance.now() - t0) / 1000);
      return r;
    });
    b.client.send({ cmd: "open", wsUrl: b.wsUrl, tokens: b.tokens, sourceAddresses: SOURCES });
    return answer;
  });
  let failed = 0;
  const failures: Record<string, number> = {};
  let error: string | null = null;
  for (const r of await Promise.allSettled(done)) {
    if (r.status === "fulfilled") {
      failed += r.value.failed;
      for (const [why, n] of Object.entries(r.value.reasons ?? {})) failures[why] = (failures[why] ?? 0) + n;
    } else error ??= String(r.reason);
  }
  return { failed, failures, error, seconds: round1((performance.now() - t0) / 1000), batchSeconds, clientCpuSeconds: clientCpu() - cpu0 };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
const kib = (bytes: number) => round1(bytes / 1024);
/** Splits `total` into `parts` near-equal whole shares. */
const shares = (total: number, parts: number) => Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));

/**
 * The default set-up: one `parley serve` on SQLite. With workers = 1, one process and the
 * in-process bus; with more, `parley serve --workers N` (a primary and N worker processes on the
 * one SQLite file, the IPC bus), each worker under its own descriptor limit.
 */
async function single(levels: number[], workers = 1) {
  const label = workers === 1 ? "single" : `workers(${workers})`;
  const dir = mkdtempSync(path.join(os.tmpdir(), "parley-conns-"));
  const removeDir = onCleanup("remove the SQLite directory", () => rmSync(dir, { recursive: true, force: true }));
  const accounts = Math.max(...levels);
  writeFileSync(path.join(dir, "seed.json"), JSON.stringify({ groups: [], loners: accounts, concurrency: 64 }));
  const server = forkTs(
    "parley/serverProcess.ts",
    ["--data", path.join(dir, "data"), "--seed", path.join(dir, "seed.json"), "--max-connections", String(FD_LIMIT), "--workers", String(workers)],
    ["--expose-gc"],
  );
  const stopServer = onCleanup("stop the SQLite server", () => stopChild(server, 60_000));
  let serverFdLimit = raiseFdLimit(server.pid!, FD_LIMIT);
  /** What the server can hold here: each process's descriptor limit, less room for the database and logs. */
  let reachable = serverFdLimit - FD_RESERVE;
  // Each client process stays under the same per-process descriptor limit as a server process.
  const clientProcesses = Math.max(Number(values["single-clients"]), Math.ceil(accounts / (20_000 - FD_RESERVE)));
  const { clients, stop: stopClients } = startClients(clientProcesses);
  const results: Record<string, unknown>[] = [];
  try {
    console.log(`${label}: server file-descriptor limit ${serverFdLimit}; seeding ${accounts} devices`);
    const ready = await nextMessage<{ wsUrl: string; seeded: Seeded }>(server, "ready", 600_000);
    if (workers > 1) {
      // node:cluster hands connections to the workers in turn: each holds about 1/workers of them.
      serverFdLimit = Math.min(...descendants(server.pid!).map((pid) => raiseFdLimit(pid, FD_LIMIT)));
      reachable = (serverFdLimit - FD_RESERVE) * workers;
    }
    const tokens = ready.seeded.clients.map((c) => c.token);
    const baseline = await stats(server);
    console.log(`${label}: baseline ${mib(baseline.rssBytes)} MiB RSS`);
    let next = 0;
    for (const wanted of levels) {
      const level = Math.min(wanted, reachable);
      const cpu0 = treeCpuSeconds(server.pid!);
      let from = next;
      const batches = shares(level - next, clientProcesses).map((n, i) => {
        const b = { client: clients[i]!, wsUrl: ready.wsUrl, tokens: tokens.slice(from, from + n) };
        from += n;
        return b;
      });
      const opened = await open(batches);
      const cpu = treeCpuSeconds(server.pid!) - cpu0;
      const s = await stats(server);
      const r = {
        target: wanted,
        attempted: level,
        held: s.connections,
        failed: opened.failed,
        ...(opened.failed > 0 ? { failures: opened.failures } : {}),
        error: opened.error,
        secondsToOpen: opened.seconds,
        serverRssMiB: mib(s.rssBytes),
        kibPerConnection: kib((s.rssBytes - baseline.rssBytes) / s.connections),
        // Heap is per process; with workers it is not gathered (RSS is summed over all of them).
        ...(workers === 1
          ? { serverHeapUsedMiB: mib(s.heapUsedBytes), heapBytesPerConnection: Math.round((s.heapUsedBytes - baseline.heapUsedBytes) / s.connections) }
          : { connectionsPerWorker: s.perWorker }),
        serverCpuMsPerConnection: Math.round(((cpu * 1000) / (level - next)) * 100) / 100,
        clientCpuMsPerConnection: Math.round(((opened.clientCpuSeconds * 1000) / (level - next)) * 100) / 100,
        load1: load1(),
      };
      next = level;
      console.log(`${label}:`, JSON.stringify(r));
      results.push(r);
      if (opened.error !== null || r.held < level * 0.99 || level < wanted) break;
    }
    return { store: "sqlite", bus: workers === 1 ? "memory" : "ipc", workers, serverFdLimit, baselineRssMiB: mib(baseline.rssBytes), accounts, clientProcesses, sourceAddresses: SOURCES.length, levels: results };
  } finally {
    await stopClients();
    await stopServer();
    await removeDir();
  }
}

/** The scale-out set-up: INSTANCES processes on one PostgreSQL and one Redis. */
async function scaleOut(levels: number[]) {
  const perInstanceMax = Math.ceil(Math.max(...levels) / INSTANCES);
  console.log(`scale-out: ${INSTANCES} instances; seeding ${perInstanceMax} devices in PostgreSQL`);
  const t0 = performance.now();
  const set = await startScaleOut({
    instances: INSTANCES,
    spec: { groups: [], loners: perInstanceMax, namePrefix: "c" },
    poolPerInstance: Number(values["db-pool"]),
    maxConnectionsPerInstance: FD_LIMIT,
  });
  const results: Record<string, unknown>[] = [];
  try {
    const setupSeconds = round1((performance.now() - t0) / 1000);
    const fdLimits = set.instances.map((c) => raiseFdLimit(c.pid!, FD_LIMIT));
    const reachable = Math.min(...fdLimits) - FD_RESERVE;
    const { clients, stop: stopClients } = startClients(INSTANCES);
    try {
      const tokens = set.seeded.clients.map((c) => c.token);
      const baseline = await set.stats();
      console.log(`scale-out: set up in ${setupSeconds} s; baseline RSS per instance ${baseline.map((b) => mib(b.rssBytes)).join(", ")} MiB`);
      const opened = baseline.map(() => 0);
      for (const wanted of levels) {
        const targets = shares(wanted, INSTANCES).map((n) => Math.min(n, reachable));
        const attempted = targets.reduce((a, b) => a + b, 0);
        const cpu0 = set.instances.reduce((a, c) => a + cpuSeconds(c.pid!), 0);
        const services0 = servicesCpuSeconds();
        const batches = targets.map((t, i) => ({ client: clients[i]!, wsUrl: set.wsUrls[i]!, tokens: tokens.slice(opened[i], t) }));
        const newConnections = batches.reduce((a, b) => a + b.tokens.length, 0);
        const result = await open(batches);
        const cpu = set.instances.reduce((a, c) => a + cpuSeconds(c.pid!), 0) - cpu0;
        const services1 = servicesCpuSeconds();
        targets.forEach((t, i) => (opened[i] = t));
        const s = await set.stats();
        const held = s.reduce((a, x) => a + x.connections, 0);
        const sum = (f: (x: InstanceStats) => number) => s.reduce((a, x) => a + f(x), 0);
        const base = (f: (x: InstanceStats) => number) => baseline.reduce((a, x) => a + f(x), 0);
        const perMs = (seconds: number) => Math.round(((seconds * 1000) / newConnections) * 100) / 100;
        const r = {
          target: wanted,
          attempted,
          held,
          failed: result.failed,
          error: result.error,
          secondsToOpen: result.seconds,
          serverRssMiB: mib(sum((x) => x.rssBytes)),
          kibPerConnection: kib((sum((x) => x.rssBytes) - base((x) => x.rssBytes)) / held),
          heapBytesPerConnection: Math.round((sum((x) => x.heapUsedBytes) - base((x) => x.heapUsedBytes)) / held),
          serverCpuMsPerConnection: perMs(cpu),
          postgresCpuMsPerConnection: perMs(services1.postgres - services0.postgres),
          redisCpuMsPerConnection: perMs(services1.redis - services0.redis),
          clientCpuMsPerConnection: perMs(result.clientCpuSeconds),
          load1: load1(),
          instances: s.map((x, i) => ({
            attempted: targets[i],
            held: x.connections,
            secondsToOpen: result.batchSeconds[i],
            rssMiB: mib(x.rssBytes),
            kibPerConnection: kib((x.rssBytes - baseline[i]!.rssBytes) / x.connections),
            heapBytesPerConnection: Math.round((x.heapUsedBytes - baseline[i]!.heapUsedBytes) / x.connections),
          })),
        };
        console.log("scale-out:", JSON.stringify(r));
        results.push(r);
        if (result.error !== null || held < attempted * 0.99 || attempted < wanted) break;
      }
      return {
        store: "postgres",
        bus: "redis",
        instances: INSTANCES,
        serverFdLimit: Math.min(...fdLimits),
        devices: perInstanceMax,
        poolPerInstance: Number(values["db-pool"]),
        clientProcesses: INSTANCES,
        sourceAddresses: SOURCES.length,
        setupSeconds,
        baselineRssMiB: baseline.map((b) => mib(b.rssBytes)),
        levels: results,
      };
    } finally {
      await stopClients();
    }
  } finally {
    await set.stop();
  }
}

const startedAt = performance.now();
try {
  const out: Record<string, unknown> = {};
  if (parts.includes("single")) out.single = await single(numbers(values["single-levels"]!));
  if (parts.includes("workers")) out.workers = await single(numbers(values.levels!), INSTANCES);
  if (parts.includes("scaleout")) out.scaleOut = await scaleOut(numbers(values.levels!));
  out.elapsedSeconds = Math.round((performance.now() - startedAt) / 1000);
  console.log("wrote", writeResult(values.out!, out));
} finally {
  await cleanup();
}
