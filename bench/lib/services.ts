/**
 * The local PostgreSQL and Redis that the scale-out scenarios run Parley on (the same services the
 * scale-out tests use). Each run gets a database and a Redis channel prefix of its own, and drops
 * the database afterwards, so runs never see each other's rows.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import pg from "pg";

/** A maintenance database to create and drop bench databases from. */
export const POSTGRES_ADMIN_URL = process.env.PARLEY_BENCH_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.PARLEY_BENCH_REDIS ?? "redis://127.0.0.1:6379";

export interface BenchDatabase {
  url: string;
  name: string;
  /** Drops the database, closing whatever connections are left. Safe to call twice. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Drops bench databases left by runs that no longer exist (a run killed with SIGKILL cannot clean
 * up after itself; its name carries its pid).
 */
async function dropAbandonedDatabases(): Promise<void> {
  for (const row of await adminQuery("SELECT datname FROM pg_database WHERE datname LIKE 'parley\\_bench\\_%'")) {
    const name = String(row.datname);
    const m = /^parley_bench_(\d+)_[0-9a-f]+$/.exec(name);
    if (m && !alive(Number(m[1]))) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/** Creates an empty database with a name no other run uses (only [a-z0-9_], so safe to splice into SQL). */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  await dropAbandonedDatabases();
  const name = `parley_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Null when both PostgreSQL and Redis answer, else what is wrong (the scale-out scenarios need both). */
export async function servicesProblem(): Promise<string | null> {
  try {
    await adminQuery("SELECT 1");
  } catch (e) {
    return `PostgreSQL at ${POSTGRES_ADMIN_URL}: ${String(e)}`;
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (e) {
    return `Redis at ${REDIS_URL}: ${String(e)}`;
  } finally {
    redis.disconnect();
  }
}

/** A Redis channel prefix no other run uses (pub/sub leaves no keys behind, so nothing to delete). */
export function benchRedisPrefix(): string {
  return `parley-bench-${process.pid}-${randomBytes(4).toString("hex")}:`;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/**
 * CPU seconds used so far by the PostgreSQL and Redis services as a whole: every live `postgres`
 * and `redis-server` process, plus what the postmaster has collected from backends that already
 * exited (a pool may close a connection mid-run). The services are shared with anything else on
 * the machine, so a difference over a window is an upper bound on what one run cost them.
 */
export function servicesCpuSeconds(): { postgres: number; redis: number } {
  let postgres = 0;
  let redis = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    if (comm !== "postgres" && comm !== "redis-server") continue;
    // Fields after the command name: utime/stime are 14/15, and cutime/cstime (16/17) what the
    // process collected from its exited children: the postmaster's backends, Redis's BGSAVEs.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    if (comm === "postgres") postgres += ticks / CLOCK_TICKS_PER_SECOND;
    else redis += ticks / CLOCK_TICKS_PER_SECOND;
  }
  return { postgres, redis };
}
