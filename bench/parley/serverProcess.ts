/**
 * The Parley server as the benchmark runs it: its own process, loopback only. By default a real
 * SQLite file in a temporary directory (--data); with --db and --redis, an instance of the
 * scale-out set-up instead (PostgreSQL for the store, Redis for the bus: what `parley serve --db
 * --redis` runs), several of which can share one database. Seeded with bench clients when given
 * --seed (with --workers N, a primary and N worker processes on the one SQLite file, as `parley
 * serve --workers N` runs; instances after the first of a scale-out set-up are not: the store is shared). The
 * per-connection request rate limit is raised (a load generator drives thousands of messages a
 * second through few connections); every other setting is the default. Talks to the
 * orchestrator over the IPC channel:
 *   -> { ready, wsUrl, seeded }            once listening (seeded is null without --seed)
 *   <- { cmd: "stats" } -> { stats: { rssBytes, heapUsedBytes, externalBytes, connections } }
 *   <- { cmd: "stop" }                      closes and exits
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SqliteStore, startCluster, startServer, type WorkerServerOptions } from "@parley/server";
import { rssBytes } from "../lib/cpu.js";
import { seed, type Seeded, type SeedSpec } from "./seed.js";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    /** A PostgreSQL URL: the scale-out store instead of SQLite in --data. */
    db: { type: "string" },
    /** PostgreSQL connections this instance keeps at most. */
    "db-pool": { type: "string" },
    /** A Redis URL: the scale-out bus instead of the in-process one. */
    redis: { type: "string" },
    "redis-prefix": { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    seed: { type: "string" },
    "max-connections": { type: "string", default: "20000" },
    /** OPAQUE steps per second per connection (the login scenario raises it). */
    "auth-rate": { type: "string" },
    /** Server processes sharing the port and the store (`parley serve --workers N`). */
    workers: { type: "string", default: "1" },
  },
});
if ((!values.data && !values.db) || !process.send) {
  throw new Error("usage: serverProcess (--data DIR | --db URL [--redis URL]) [--seed SPEC.json] (with an IPC channel)");
}
const send = (m: unknown) => process.send!(m);

const options: WorkerServerOptions = {
  host: values.host,
  port: 0,
  dataDir: values.data ?? null,
  databaseUrl: values.db ?? null,
  ...(values["db-pool"] ? { databasePoolSize: Number(values["db-pool"]) } : {}),
  redisUrl: values.redis ?? null,
  ...(values["redis-prefix"] ? { redisPrefix: values["redis-prefix"] } : {}),
  log: "warn",
  retentionSweepIntervalMs: 0,
  maxConnections: Number(values["max-connections"]),
  maxQueuedRequests: 4096,
  rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
  ...(values["auth-rate"] ? { authRateLimit: { perSecond: Number(values["auth-rate"]), burst: Number(values["auth-rate"]) } } : {}),
  // A bench client may be told to stop reading for a moment; do not cut it off.
  authTimeoutMs: 600_000,
};
const workers = Number(values.workers);

/** What the orchestrator needs of the server, one process or a primary with workers. */
interface Running {
  wsUrl: string;
  stats(): Promise<{ rssBytes: number; heapUsedBytes: number; externalBytes: number; connections: number; perWorker?: number[] }>;
  close(): Promise<void>;
}

let running: Running;
let seeded: Seeded | null = null;
const spec = values.seed ? (JSON.parse(readFileSync(values.seed, "utf8")) as SeedSpec) : null;
if (workers > 1) {
  if (!values.data) throw new Error("--workers > 1 is benchmarked on SQLite (--data) only");
  // Seeded before the workers start, through the store they will share.
  if (spec) {
    const store = SqliteStore.openInDir(values.data);
    seeded = await seed(store, spec);
    await store.close();
  }
  const cluster = await startCluster({ workers, options });
  running = {
    wsUrl: cluster.wsUrl,
    // Heap figures are per process and not gathered here; RSS is summed over the workers.
    stats: async () => {
      const perWorker = await cluster.connectionCounts();
      return {
        rssBytes: cluster.workerPids().reduce((a, pid) => a + rssBytes(pid), process.memoryUsage().rss),
        heapUsedBytes: NaN,
        externalBytes: NaN,
        connections: perWorker.reduce((a, b) => a + b, 0),
        perWorker,
      };
    },
    close: () => cluster.close(),
  };
} else {
  const server = await startServer(options);
  if (spec) seeded = await seed(server.store, spec);
  running = {
    wsUrl: server.wsUrl,
    stats: async () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      const mem = process.memoryUsage();
      return { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, externalBytes: mem.external, connections: server.connectionCount() };
    },
    close: () => server.close(),
  };
}

process.on("message", async (m: { cmd: string }) => {
  if (m.cmd === "stats") {
    send({ stats: await running.stats() });
  } else if (m.cmd === "stop") {
    await running.close();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
send({ ready: true, wsUrl: running.wsUrl, seeded });
