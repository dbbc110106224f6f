/**
 * Parley's documented scale-out topology, as the benchmarks run it (docs/operations.md): several
 * server instances on one host, each on its own loopback port, sharing one PostgreSQL database and
 * one Redis. A fresh database and Redis prefix per set-up, seeded once through the PostgresStore
 * before the instances start; everything is undone on stop, and on a signal (lib/cleanup.ts).
 */
import type { ChildProcess } from "node:child_process";
import { PostgresStore } from "@parley/server";
import { onCleanup } from "../lib/cleanup.js";
import { forkTs, nextMessage, stopChild } from "../lib/proc.js";
import { benchRedisPrefix, createBenchDatabase, REDIS_URL, type BenchDatabase } from "../lib/services.js";
import { seed, type Seeded, type SeedSpec } from "./seed.js";

export interface InstanceStats {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  connections: number;
  /** With --workers: each worker's open connections. */
  perWorker?: number[];
}

export interface ScaleOut {
  db: BenchDatabase;
  redisPrefix: string;
  seeded: Seeded;
  instances: ChildProcess[];
  /** ws://127.0.0.1:port/ws of each instance, in order. */
  wsUrls: string[];
  /** Each instance's memory (after a full GC) and open connections, in order. */
  stats(): Promise<InstanceStats[]>;
  /** Stops the instances and drops the database. */
  stop(): Promise<void>;
}

export interface ScaleOutOptions {
  instances: number;
  spec: SeedSpec;
  /** PostgreSQL connections each instance keeps at most (max_connections is shared with everyone). */
  poolPerInstance: number;
  maxConnectionsPerInstance?: number;
  /** Node flags for the instances. */
  nodeArgs?: string[];
}

/** Creates the database, seeds it, starts the instances; on failure undoes what it did. */
export async function startScaleOut(o: ScaleOutOptions): Promise<ScaleOut> {
  const db = await createBenchDatabase();
  const dropDb = onCleanup(`drop database ${db.name}`, () => db.drop());
  const redisPrefix = benchRedisPrefix();
  const instances: ChildProcess[] = [];
  const stopInstances = onCleanup("stop server instances", async () => {
    await Promise.all(instances.map((c) => stopChild(c, 20_000)));
  });
  const stop = async () => {
    await stopInstances();
    await dropDb();
  };
  try {
    // Seeding also applies the migrations, so the instances start on a ready schema.
    const store = await PostgresStore.connect(db.url, { maxConnections: 16 });
    let seeded: Seeded;
    try {
      seeded = await seed(store, { concurrency: 64, ...o.spec });
    } finally {
      await store.close();
    }
    const args = ["--db", db.url, "--db-pool", String(o.poolPerInstance), "--redis", REDIS_URL, "--redis-prefix", redisPrefix];
    if (o.maxConnectionsPerInstance !== undefined) args.push("--max-connections", String(o.maxConnectionsPerInstance));
    for (let i = 0; i < o.instances; i++) instances.push(forkTs("parley/serverProcess.ts", args, ["--expose-gc", ...(o.nodeArgs ?? [])]));
    const ready = await Promise.all(instances.map((c) => nextMessage<{ wsUrl: string }>(c, "ready", 120_000)));
    const stats = () =>
      Promise.all(
        instances.map((c) => {
          const answer = nextMessage<{ stats: InstanceStats }>(c, "stats", 60_000);
          c.send({ cmd: "stats" });
          return answer.then((a) => a.stats);
        }),
      );
    return { db, redisPrefix, seeded, instances, wsUrls: ready.map((r) => r.wsUrl), stats, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
