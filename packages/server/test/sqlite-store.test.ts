import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { newConversationId, type DeliverFrame } from "@parley/protocol";
import { SqliteStore, SQLITE_FILE_NAME } from "../src/index.js";
import { migrations } from "../src/store/sqlite/migrations.js";
import { login, newDevice, resume } from "./helpers/accounts.js";
import { TestClient } from "./helpers/client.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer } from "./helpers/server.js";

const dataDir = mkdtempSync(join(tmpdir(), "parley-sqlite-test-"));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test("everything survives a server restart on the same data dir", async () => {
  const first = await startTestServer({ dataDir });
  const alice = await newDevice(first.wsUrl, "alice");
  const bob = await newDevice(first.wsUrl, "bob");
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "direct", peer: "bob" });
  await alice.client.ok("message.send", sendBody(conversationId));
  await Promise.all([alice.client.close(), bob.client.close()]);
  await first.close();

  const second = await startTestServer({ dataDir });
  // The OPAQUE server setup persisted: the old password still works.
  const c = await TestClient.connect(second.wsUrl);
  const session = await login(c, "alice", alice.password, alice.deviceId);
  assert.equal(session.deviceId, alice.deviceId);
  // Sessions persisted too.
  const b = await resume(second.wsUrl, bob.token);
  const info = (await c.ok("conversation.get", { conversationId })).conversation;
  assert.equal(info.lastSeq, 1);
  assert.deepEqual(info.members, [{ username: "alice", deviceIds: [alice.deviceId] }]);
  await c.ok("message.send", sendBody(conversationId));
  const d = await c.ok("delivery.pending", {});
  assert.deepEqual(d, { entries: 0, welcomes: 0 });
  await Promise.all([c.close(), b.close()]);
  await second.close();
});

test("migrations run once and are recorded", () => {
  const file = join(dataDir, SQLITE_FILE_NAME);
  const store = new SqliteStore(file);
  void store.close();
  const db = new Database(file, { readonly: true });
  const rows = db.prepare("SELECT version FROM schema_migrations ORDER BY version").all() as { version: number }[];
  assert.deepEqual(rows.map((r) => r.version), migrations.map((m) => m.version));
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  db.close();
});

test("migration 2 moves each GroupInfo out of its conversation row, keeping it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-sqlite-v1-"));
  try {
    const file = join(dir, SQLITE_FILE_NAME);
    // A database as a server before migration 2 left it, with one conversation that has a
    // GroupInfo and one that has none.
    const db = new Database(file);
    db.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT");
    db.exec(migrations[0]!.sql);
    db.prepare("INSERT INTO schema_migrations VALUES (1, 'initial schema', 0)").run();
    const insert = db.prepare(
      "INSERT INTO conversations (conversation_id, kind, name, epoch, last_seq, created_at, group_info) VALUES (?, 'group', '', ?, 0, 0, ?)",
    );
    const [withInfo, without] = [newConversationId(), newConversationId()];
    insert.run(withInfo, 3, "R3JvdXBJbmZv");
    insert.run(without, 0, null);
    // Rows that refer to the conversation, as a live database has (foreign keys are on when the
    // store migrates).
    db.prepare("INSERT INTO users VALUES ('u', 'r', 'k', 'b', 0)").run();
    db.prepare("INSERT INTO devices VALUES ('d', 'u', 'n', 'c', 's', 0, NULL)").run();
    db.prepare("INSERT INTO members (conversation_id, device_id, username, joined_seq, cursor) VALUES (?, 'd', 'u', 0, 0)").run(withInfo);
    db.prepare("INSERT INTO entries (conversation_id, seq, kind, epoch, sent_at) VALUES (?, 1, 'system', 3, 0)").run(withInfo);
    db.close();

    const store = new SqliteStore(file);
    assert.deepEqual(await store.getGroupInfo(withInfo), { epoch: 3, groupInfo: "R3JvdXBJbmZv" });
    assert.deepEqual(await store.getGroupInfo(without), { epoch: 0, groupInfo: null });
    assert.equal(await store.getGroupInfo(newConversationId()), null);
    await store.close();
    const after = new Database(file, { readonly: true });
    const columns = (after.prepare("PRAGMA table_info(conversations)").all() as { name: string }[]).map((c) => c.name);
    assert.ok(!columns.includes("group_info"));
    assert.equal((after.prepare("SELECT COUNT(*) AS n FROM members").get() as { n: number }).n, 1);
    assert.equal((after.prepare("SELECT COUNT(*) AS n FROM entries").get() as { n: number }).n, 1);
    after.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a database from a newer server is refused rather than misread", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-sqlite-future-"));
  try {
    const file = join(dir, SQLITE_FILE_NAME);
    void new SqliteStore(file).close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)").run();
    db.close();
    assert.throws(() => new SqliteStore(file), /newer than this server/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the in-memory store works for a throwaway server", async () => {
  const store = new SqliteStore(":memory:");
  assert.equal(await store.ping(), true);
  const v1 = await store.getOrCreateMeta("k", () => "first");
  const v2 = await store.getOrCreateMeta("k", () => "second");
  assert.deepEqual([v1, v2], ["first", "first"]);
  await store.close();
  assert.equal(await store.ping(), false);
});

test("deliveries keep flowing after a restart", async () => {
  const server = await startTestServer({ dataDir });
  const alice = await newDevice(server.wsUrl, "carol");
  const bob = await newDevice(server.wsUrl, "dave");
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] }));
  await alice.client.ok("message.send", sendBody(conversationId, 1));
  await Promise.all([alice.client.close(), bob.client.close()]);
  await server.close();

  const again = await startTestServer({ dataDir });
  const a = await resume(again.wsUrl, alice.token);
  await a.ok("message.send", sendBody(conversationId, 1));
  const b = await resume(again.wsUrl, bob.token);
  const seqs: number[] = [];
  while (seqs.length < 2) seqs.push(...(await b.nextPush<DeliverFrame>((f) => f.type === "deliver")).entries.map((e) => e.seq));
  assert.deepEqual(seqs, [2, 3]);
  await Promise.all([a.close(), b.close()]);
  await again.close();
});
