import type pg from "pg";
import { rows } from "./db.js";
import { HOT_PATH_FUNCTIONS_SQL } from "./hotPathFunctions.js";

/**
 * Numbered schema migrations for PostgreSQL: the same tables as the SQLite store, and the same
 * rule (each runs once, in its own transaction, recorded in `schema_migrations`; never edit one
 * that has shipped: append a new one). Times are milliseconds since the Unix epoch (BIGINT).
 *
 * One difference: a device's Welcome queue is numbered by a counter on the device row
 * (`devices.welcome_seq`), not by one global sequence. The counter's row lock makes the numbers a
 * device sees commit in increasing order, which a global sequence shared by instances would not:
 * a reader could see 11 before 10 commits and skip 10.
 */
export const migrations: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
  username TEXT PRIMARY KEY,
  opaque_record TEXT NOT NULL,
  identity_key TEXT NOT NULL,
  backup TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  name TEXT NOT NULL,
  credential TEXT NOT NULL,
  signature_key TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT,
  welcome_seq BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_by_user ON devices(username, created_at);

CREATE TABLE sessions (
  token_hash BYTEA PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  device_id TEXT REFERENCES devices(device_id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_device ON sessions(device_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE key_packages (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  last_resort BOOLEAN NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX key_packages_by_device ON key_packages(device_id, last_resort, id);

CREATE TABLE conversations (
  conversation_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
  name TEXT NOT NULL,
  epoch BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  swept_seq BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  group_info TEXT,
  direct_users TEXT,
  direct_key TEXT UNIQUE
);

CREATE TABLE members (
  conversation_id TEXT NOT NULL REFERENCES conversations(conversation_id),
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  username TEXT NOT NULL,
  joined_seq BIGINT NOT NULL,
  cursor BIGINT NOT NULL,
  removed_seq BIGINT,
  removed_at BIGINT,
  PRIMARY KEY (conversation_id, device_id)
);
CREATE INDEX members_by_device ON members(device_id);
CREATE INDEX members_by_user ON members(username, conversation_id);

CREATE TABLE entries (
  conversation_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('application', 'commit', 'system')),
  epoch BIGINT NOT NULL,
  message_id TEXT,
  sender_username TEXT,
  sender_device TEXT,
  sent_at BIGINT NOT NULL,
  data TEXT,
  meta TEXT,
  PRIMARY KEY (conversation_id, seq)
);
CREATE INDEX entries_by_time ON entries(sent_at);

CREATE TABLE message_ids (
  conversation_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sender_device TEXT NOT NULL,
  seq BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (conversation_id, message_id)
);
CREATE INDEX message_ids_by_time ON message_ids(created_at);

CREATE TABLE welcomes (
  device_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  conversation_id TEXT NOT NULL,
  commit_seq BIGINT NOT NULL,
  epoch BIGINT NOT NULL,
  sender_username TEXT NOT NULL,
  sender_device TEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (device_id, seq)
);
CREATE INDEX welcomes_by_time ON welcomes(sent_at);
`,
  },
  { version: 2, name: "append and ack functions", sql: HOT_PATH_FUNCTIONS_SQL },
];

/** Any fixed number: the advisory lock that makes instances starting together migrate one at a time. */
const MIGRATION_LOCK = 0x7061726c; // "parl"

/** Applies the migrations not yet recorded, in order; returns the versions it applied. */
export async function migrate(pool: pg.Pool, now: number): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
    try {
      await client.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
      );
      const applied = new Set(
        (await rows<{ version: number }>(client, "SELECT version FROM schema_migrations")).map((r) => r.version),
      );
      const latestKnown = migrations.at(-1)?.version ?? 0;
      for (const v of applied) {
        if (v > latestKnown) throw new Error(`database schema version ${v} is newer than this server (${latestKnown})`);
      }
      const done: number[] = [];
      for (const m of migrations) {
        if (applied.has(m.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
            m.version,
            m.name,
            now,
          ]);
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw error;
        }
        done.push(m.version);
      }
      return done;
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
    }
  } finally {
    client.release();
  }
}
