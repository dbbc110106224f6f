/**
 * The real PostgreSQL and Redis that the scale-out tests use (on this machine: started by
 * .ci/run). Each test gets a database of its own, created here and dropped afterwards, and a Redis
 * channel prefix of its own, so that test files can run side by side.
 *
 * A missing service skips its tests on a developer's machine, and fails them under CI=true: a CI
 * run that silently skipped the PostgreSQL suite would prove nothing.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Redis } from "ioredis";

/** A maintenance database to create and drop test databases from. */
export const POSTGRES_ADMIN_URL = process.env.PARLEY_TEST_POSTGRES ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.PARLEY_TEST_REDIS ?? "redis://127.0.0.1:6379";

const inCi = process.env.CI === "true";

async function reachable(check: () => Promise<void>): Promise<string | null> {
  try {
    await check();
    return null;
  } catch (error) {
    return (error as Error).message || String(error);
  }
}

const postgresProblem = reachable(async () => {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    await client.query("SELECT 1");
  } finally {
    await client.end();
  }
});

const redisProblem = reachable(async () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
});

/**
 * For `test(name, { skip: await skipWithout("postgres") }, …)`: false when the service answers;
 * otherwise a reason to skip, or, under CI=true, an error that fails the test file.
 */
export async function skipWithout(service: "postgres" | "redis"): Promise<string | false> {
  const problem = await (service === "postgres" ? postgresProblem : redisProblem);
  if (problem === null) return false;
  const url = service === "postgres" ? POSTGRES_ADMIN_URL : REDIS_URL;
  if (inCi) throw new Error(`${service} is required under CI=true but ${url} is unreachable: ${problem}`);
  return `${service} is not reachable at ${url} (${problem})`;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates an empty database with a unique name; drop() removes it (closing any connections left). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `parley_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement on the maintenance database (the name is ours, never user input). */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A Redis channel prefix no other test run uses. */
export function uniqueRedisPrefix(): string {
  return `parley-test-${process.pid}-${randomBytes(4).toString("hex")}:`;
}
