import type { Database } from "better-sqlite3";

/**
 * Numbered schema migrations. Each runs once, in its own transaction, and is recorded in
 * `schema_migrations`; never edit one that has shipped: append a new one.
 *
 * Binary values are kept as the base64 text they travel in. `entries` is the append-only log of
 * each conversation; `members` holds each device's membership and its delivery cursor (one row
 * per device and conversation); `welcomes` is each device's own queue.
 */
export const migrations: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE users (
  username TEXT PRIMARY KEY,
  opaque_record TEXT NOT NULL,
  identity_key TEXT NOT NULL,
  backup TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  name TEXT NOT NULL,
  credential TEXT NOT NULL,
  signature_key TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;
CREATE INDEX devices_by_user ON devices(username, created_at);

CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  device_id TEXT REFERENCES devices(device_id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_device ON sessions(device_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);

CREATE TABLE key_packages (
  id INTEGER PRIMARY KEY,
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  last_resort INTEGER NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX key_packages_by_device ON key_packages(device_id, last_resort, id);

CREATE TABLE conversations (
  conversation_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
  name TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  swept_seq INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  group_info TEXT,
  -- direct conversations: the two usernames, sorted, joined by a newline
  direct_users TEXT,
  -- the same while this is the live direct conversation between them (cleared when one leaves)
  direct_key TEXT UNIQUE
) STRICT;

CREATE TABLE members (
  conversation_id TEXT NOT NULL REFERENCES conversations(conversation_id),
  device_id TEXT NOT NULL REFERENCES devices(device_id),
  username TEXT NOT NULL,
  joined_seq INTEGER NOT NULL,
  cursor INTEGER NOT NULL,
  removed_seq INTEGER,
  removed_at INTEGER,
  PRIMARY KEY (conversation_id, device_id)
) STRICT;
CREATE INDEX members_by_device ON members(device_id);
CREATE INDEX members_by_user ON members(username, conversation_id);

CREATE TABLE entries (
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('application', 'commit', 'system')),
  epoch INTEGER NOT NULL,
  message_id TEXT,
  sender_username TEXT,
  sender_device TEXT,
  sent_at INTEGER NOT NULL,
  data TEXT,
  -- commit: {"add","remove","external"}; system: the system event
  meta TEXT,
  PRIMARY KEY (conversation_id, seq)
) STRICT;
CREATE INDEX entries_by_time ON entries(sent_at);

-- idempotency keys outlive the entries they name, until the retention period ends
CREATE TABLE message_ids (
  conversation_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  sender_device TEXT NOT NULL,
  seq INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, message_id)
) STRICT;
CREATE INDEX message_ids_by_time ON message_ids(created_at);

CREATE TABLE welcomes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  device_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  commit_seq INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  sender_username TEXT NOT NULL,
  sender_device TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  data TEXT NOT NULL
) STRICT;
CREATE INDEX welcomes_by_device ON welcomes(device_id, seq);
CREATE INDEX welcomes_by_time ON welcomes(sent_at);
`,
  },
  {
    version: 2,
    name: "GroupInfo in a table of its own",
    // SQLite keeps a row whole: every UPDATE of last_seq (each message appended) read and wrote
    // back the conversation's GroupInfo with it, and every SELECT * read it. A 1000-member
    // group's is about 185 KB, which made an append about four times as costly at 140 KB
    // (docs/performance.md). It changes only with a commit, so it lives apart now.
    sql: `
CREATE TABLE group_infos (
  conversation_id TEXT PRIMARY KEY REFERENCES conversations(conversation_id),
  data TEXT NOT NULL
) STRICT;
INSERT INTO group_infos (conversation_id, data)
  SELECT conversation_id, group_info FROM conversations WHERE group_info IS NOT NULL;
ALTER TABLE conversations DROP COLUMN group_info;
`,
  },
];

/** Applies the migrations not yet recorded, in order; returns the versions it applied. */
export function migrate(db: Database, now: number): number[] {
  db.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT",
  );
  const applied = new Set(
    (db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version),
  );
  const latestKnown = migrations.at(-1)?.version ?? 0;
  for (const v of applied) {
    if (v > latestKnown) throw new Error(`database schema version ${v} is newer than this server (${latestKnown})`);
  }
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, now);
    }).immediate();
    done.push(m.version);
  }
  return done;
}
