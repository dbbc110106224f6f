// Group commit: concurrent appends and acks share one transaction, each caller hears back only
// after it committed, and what they were told is what a fresh reader of the file finds.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import Database from "better-sqlite3";
import { SqliteStore, SQLITE_FILE_NAME } from "../src/index.js";
import { GroupCommit } from "../src/store/sqlite/groupCommit.js";

const dir = mkdtempSync(join(tmpdir(), "parley-group-commit-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function room(store: SqliteStore, members: number) {
  const now = Date.now();
  const devices: { username: string; deviceId: string }[] = [];
  for (let i = 0; i < members; i++) {
    const username = `u${i}`;
    const deviceId = `dev${i}`.padEnd(22, "x");
    const tokenHash = new Uint8Array(32).fill(i + 1);
    await store.createUser({ username, opaqueRecord: "r", identityKey: "k", backup: "", createdAt: now });
    await store.createSession({ tokenHash, username, deviceId: null, createdAt: now, expiresAt: now + 1e6 });
    assert.equal((await store.registerDevice({ deviceId, username, name: "d", credential: "c", signatureKey: "s", createdAt: now }, tokenHash, 5)).kind, "ok");
    devices.push({ username, deviceId });
  }
  const conversationId = "conv".padEnd(22, "c");
  await store.createConversation({ conversationId, kind: "group", name: "", creator: devices[0]!, peer: null, groupInfo: null, createdAt: now });
  const commit = await store.appendCommit({
    conversationId, sender: devices[0]!, epoch: 0, messageId: "commit-1", commit: "c", groupInfo: "g", welcome: "w",
    add: devices.slice(1).map((d) => d.deviceId), remove: [], external: false, maxMembers: 100, now,
  });
  assert.equal(commit.kind, "ok");
  return { conversationId, devices };
}

test("concurrent appends get consecutive seqs, and every acked one is in the file", async () => {
  const file = join(dir, "a");
  const store = SqliteStore.openInDir(file);
  const { conversationId, devices } = await room(store, 3);
  const outcomes = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      store.appendApplication({ conversationId, sender: devices[i % 3]!, epoch: 1, messageId: `msg-${String(i).padStart(4, "0")}`, ciphertext: "AAAA", now: Date.now() }),
    ),
  );
  const seqs = outcomes.map((o) => (o.kind === "ok" ? o.seq : -1));
  assert.deepEqual(seqs, Array.from({ length: 50 }, (_, i) => i + 2), "seq 1 is the commit");
  // A duplicate and a non-member inside the same batch get their own outcomes.
  const [dup, stranger] = await Promise.all([
    store.appendApplication({ conversationId, sender: devices[0]!, epoch: 1, messageId: "msg-0000", ciphertext: "AAAA", now: Date.now() }),
    store.appendApplication({ conversationId, sender: { username: "x", deviceId: "nobody".padEnd(22, "x") }, epoch: 1, messageId: "msg-9999", ciphertext: "AAAA", now: Date.now() }),
  ]);
  assert.deepEqual(dup, { kind: "duplicate", seq: 2 });
  assert.equal(stranger.kind, "notMember");
  const acks = await Promise.all([store.ackDelivery(conversationId, devices[1]!.deviceId, 20), store.ackDelivery(conversationId, devices[2]!.deviceId, 51)]);
  assert.deepEqual(acks.map((a) => a.kind), ["ok", "ok"]);
  const reader = new Database(join(file, SQLITE_FILE_NAME), { readonly: true });
  assert.equal((reader.prepare("SELECT COUNT(*) AS n FROM entries WHERE conversation_id = ?").get(conversationId) as { n: number }).n, 51);
  assert.equal((reader.prepare("SELECT cursor FROM members WHERE device_id = ?").get(devices[2]!.deviceId) as { cursor: number }).cursor, 51);
  reader.close();
  await store.close();
});

test("a step that throws fails alone; a failed transaction fails every step", async () => {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE t (v INTEGER UNIQUE)");
  const group = new GroupCommit(db);
  const insert = (v: number) => () => db.transaction(() => db.prepare("INSERT INTO t (v) VALUES (?)").run(v).changes)();
  const results = await Promise.allSettled([group.run(insert(1)), group.run(insert(1)), group.run(insert(2))]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
  assert.deepEqual(db.prepare("SELECT v FROM t ORDER BY v").all(), [{ v: 1 }, { v: 2 }]);
  db.close();
  const late = await Promise.allSettled([group.run(insert(3)), group.run(insert(4))]);
  assert.deepEqual(late.map((r) => r.status), ["rejected", "rejected"]);
});

// `parley serve --workers N`: another process holding the write lock must neither fail the batch
// nor stall this process's event loop (SQLite's busy handler would sleep on it).
test("while another connection holds the write lock, appends wait for it without blocking the event loop", async () => {
  const file = join(dir, "locked");
  const store = SqliteStore.openInDir(file);
  const { conversationId, devices } = await room(store, 2);
  const other = new Database(join(file, SQLITE_FILE_NAME));
  try {
    other.exec("BEGIN IMMEDIATE");
    let settled = false;
    const append = store
      .appendApplication({ conversationId, sender: devices[0]!, epoch: 1, messageId: "while-locked", ciphertext: "AAAA", now: Date.now() })
      .finally(() => (settled = true));
    // Timers still fire: the loop is free while the group commit waits.
    const ticks: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 20));
      ticks.push(i);
    }
    assert.deepEqual(ticks, [0, 1, 2, 3, 4]);
    assert.equal(settled, false, "nothing is reported stored while the lock is held elsewhere");
    other.exec("COMMIT");
    const outcome = await append;
    assert.equal(outcome.kind, "ok");
    const row = other.prepare("SELECT message_id FROM entries WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1").get(conversationId) as { message_id: string };
    assert.equal(row.message_id, "while-locked");
  } finally {
    other.close();
    await store.close();
  }
});
