import pg from "pg";

/** A pool or one checked-out client: both run queries. */
export type Queryable = pg.Pool | pg.PoolClient;

/**
 * BIGINT (int8) columns hold milliseconds and sequence numbers, far below 2^53: read them as
 * numbers rather than pg's default strings. Everything else keeps pg's parsers.
 */
const INT8_OID = 20;
export const typeParsers: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/**
 * Every query of this store is a fixed text (values are always bound, never spliced in), so each
 * can be a named prepared statement: PostgreSQL parses and plans it once per connection instead
 * of on every call, which was a large part of its CPU per delivery. The set of texts is small and
 * fixed, so the per-connection statement cache stays small.
 */
const statementNames = new Map<string, string>();
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `parley_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/** Rows of a parameterized query: values are always bound, never spliced into SQL text. */
export async function rows<T>(q: Queryable, text: string, values: unknown[] = []): Promise<T[]> {
  return (await q.query(prepared(text, values))).rows as T[];
}

/** The first row, or undefined. */
export async function first<T>(q: Queryable, text: string, values: unknown[] = []): Promise<T | undefined> {
  return (await q.query(prepared(text, values))).rows[0] as T | undefined;
}

/** Rows changed by an INSERT, UPDATE or DELETE. */
export async function changes(q: Queryable, text: string, values: unknown[] = []): Promise<number> {
  return (await q.query(prepared(text, values))).rowCount ?? 0;
}

/** Serialization failure and deadlock: the transaction did nothing and can simply run again. */
const RETRYABLE = new Set(["40001", "40P01"]);
const MAX_ATTEMPTS = 8;

/**
 * Runs `work` in one READ COMMITTED transaction on one connection, and runs it again (from the
 * start, so it must have no side effects outside the database) if PostgreSQL aborted it for a
 * deadlock or a serialization failure. Row locks (SELECT … FOR UPDATE) inside `work` are what
 * order concurrent changes between server instances.
 */
export async function transaction<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      const code = (error as { code?: string }).code;
      if (!(code && RETRYABLE.has(code)) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    } finally {
      client.release(broken);
    }
  }
}

/**
 * Runs `work` (one statement, which is its own transaction) again if PostgreSQL aborted it for a
 * deadlock or a serialization failure: such a statement did nothing, so it can simply run again.
 */
export async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!(code && RETRYABLE.has(code)) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
    }
  }
}

/** Whether `error` is PostgreSQL's unique_violation. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string }).code === "23505";
}
