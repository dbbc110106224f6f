/**
 * PostgreSQL-specific checks of the hot write paths (appends and acks run as server-side
 * functions, acks of one turn batched into one statement). The conformance suite checks the
 * semantics with one call at a time; these check many calls settled by one statement.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { newConversationId, newDeviceId, newMessageId } from "@parley/protocol";
import { PostgresStore } from "../src/index.js";
import { createTestDatabase, skipWithout, type TestDatabase } from "../../../test/services.js";

const T0 = Date.UTC(2030, 0, 1);
const b64 = (n = 16) => randomBytes(n).toString("base64");
const skip = await skipWithout("postgres");

interface Dev {
  username: string;
  deviceId: string;
}

async function newDev(store: PostgresStore, username: string): Promise<Dev> {
  assert.equal((await store.createUser({ username, opaqueRecord: b64(), identityKey: b64(32), backup: b64(), createdAt: T0 })).kind, "ok");
  const tokenHash = randomBytes(32);
  await store.createSession({ tokenHash, username, deviceId: null, createdAt: T0, expiresAt: T0 + 86_400_000 });
  const deviceId = newDeviceId();
  const r = await store.registerDevice({ deviceId, username, name: "test", credential: b64(), signatureKey: b64(32), createdAt: T0 }, tokenHash, 50);
  assert.equal(r.kind, "ok");
  return { username, deviceId };
}

/** A group created by `creator` with `others` added by one commit (seq 1). */
async function groupOf(store: PostgresStore, creator: Dev, others: Dev[]): Promise<string> {
  const conversationId = newConversationId();
  const created = await store.createConversation({ conversationId, kind: "group", name: "g", creator, peer: null, groupInfo: b64(), createdAt: T0 });
  assert.equal(created.kind, "ok");
  const r = await store.appendCommit({
    conversationId,
    sender: creator,
    epoch: 0,
    messageId: newMessageId(),
    commit: b64(),
    groupInfo: b64(),
    welcome: b64(),
    add: others.map((d) => d.deviceId),
    remove: [],
    external: false,
    maxMembers: 100,
    now: T0,
  });
  assert.equal(r.kind, "ok");
  return conversationId;
}

async function send(store: PostgresStore, conversationId: string, by: Dev): Promise<number> {
  const r = await store.appendApplication({ conversationId, sender: by, epoch: 1, messageId: newMessageId(), ciphertext: b64(), now: T0 });
  assert.equal(r.kind, "ok");
  return (r as { seq: number }).seq;
}

describe("PostgreSQL store: batched acks and one-statement appends", { skip }, () => {
  let db: TestDatabase;
  let store: PostgresStore;
  let twin: PostgresStore;
  before(async () => {
    db = await createTestDatabase();
    store = await PostgresStore.connect(db.url, { maxConnections: 4 });
    twin = await PostgresStore.connect(db.url, { maxConnections: 4 });
  });
  after(async () => {
    await store?.close();
    await twin?.close();
    await db?.drop();
  });

  test("the functions' migration is recorded, once, after the initial schema", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query("SELECT version FROM schema_migrations ORDER BY version");
      assert.deepEqual(r.rows.map((x: { version: number }) => x.version), [1, 2]);
    } finally {
      await client.end();
    }
  });

  test("acks made in one turn settle with the outcomes the same acks one at a time would have", async () => {
    const alice = await newDev(store, "alice1");
    const bob = await newDev(store, "bob1");
    const carol = await newDev(store, "carol1");
    const dave = await newDev(store, "dave1");
    const conv = await groupOf(store, alice, [bob, carol]); // seq 1
    await send(store, conv, alice); // 2
    await send(store, conv, alice); // 3
    await send(store, conv, bob); // 4: bob's own
    await send(store, conv, alice); // 5
    await send(store, conv, alice); // 6
    // All started in the same turn: one batch. Bob's acks apply in the order they were made.
    const outcomes = await Promise.all([
      store.ackDelivery(conv, bob.deviceId, 3), // passes his own 4
      store.ackDelivery(conv, bob.deviceId, 2), // never back
      store.ackDelivery(conv, dave.deviceId, 1),
      store.ackDelivery(conv, carol.deviceId, 999), // clamped to the last seq
      store.ackDelivery(conv, bob.deviceId, 5),
      store.ackDelivery("nope", bob.deviceId, 1),
      store.ackDelivery(conv, bob.deviceId, 1),
    ]);
    assert.deepEqual(outcomes, [
      { kind: "ok", cursor: 4 },
      { kind: "ok", cursor: 4 },
      { kind: "notMember" },
      { kind: "ok", cursor: 6 },
      { kind: "ok", cursor: 5 },
      { kind: "notMember" },
      { kind: "ok", cursor: 5 },
    ]);
    assert.equal((await store.getDeliveryState(conv, bob.deviceId))?.cursor, 5);
    assert.equal((await store.getDeliveryState(conv, carol.deviceId))?.cursor, 6);
  });

  test("two instances acking many devices in opposite orders at once both finish, with every cursor at its highest ack", async () => {
    const owner = await newDev(store, "owner2");
    const devs: Dev[] = [];
    for (let i = 0; i < 8; i++) devs.push(await newDev(store, `member2_${i}`));
    const convs = [await groupOf(store, owner, devs), await groupOf(store, owner, devs)];
    for (const conv of convs) for (let i = 0; i < 20; i++) await send(store, conv, owner);
    const calls: Promise<unknown>[] = [];
    for (let seq = 2; seq <= 21; seq++) {
      for (const conv of convs) {
        for (const d of devs) calls.push(store.ackDelivery(conv, d.deviceId, seq));
        for (const d of [...devs].reverse()) calls.push(twin.ackDelivery(conv, d.deviceId, 23 - seq));
      }
    }
    await Promise.all(calls);
    for (const conv of convs) {
      for (const d of devs) assert.equal((await store.getDeliveryState(conv, d.deviceId))?.cursor, 21);
    }
  });

  test("appends made in one turn settle with the outcomes the same appends one at a time would have", async () => {
    const alice = await newDev(store, "alice4");
    const bob = await newDev(store, "bob4");
    const eve = await newDev(store, "eve4");
    const one = await groupOf(store, alice, [bob]); // seq 1
    const two = await groupOf(store, alice, [bob]); // seq 1
    const mid = newMessageId();
    const app = (conversationId: string, by: Dev, messageId = newMessageId()) =>
      store.appendApplication({ conversationId, sender: by, epoch: 1, messageId, ciphertext: b64(), now: T0 });
    const outcomes = await Promise.all([
      app(two, alice),
      app(one, alice, mid),
      app(one, bob),
      app(one, alice, mid), // a retry in the same batch: the first append's seq
      app(one, bob, mid), // another device's id
      app(one, eve), // not a member
      app("nope", alice),
      app(two, bob),
    ]);
    assert.deepEqual(outcomes, [
      { kind: "ok", seq: 2 },
      { kind: "ok", seq: 2 },
      { kind: "ok", seq: 3 },
      { kind: "duplicate", seq: 2 },
      { kind: "messageIdTaken" },
      { kind: "notMember" },
      { kind: "conversationNotFound" },
      { kind: "ok", seq: 3 },
    ]);
    const senders = (await store.readEntries(one, 1, 10, 10)).map((e) => e.senderDeviceId);
    assert.deepEqual(senders, [alice.deviceId, bob.deviceId]);
  });

  test("log reads and delivery states asked for in one turn each get their own answer", async () => {
    const alice = await newDev(store, "alice5");
    const bob = await newDev(store, "bob5");
    const carol = await newDev(store, "carol5");
    const one = await groupOf(store, alice, [bob]); // seq 1
    const two = await groupOf(store, alice, [bob, carol]); // seq 1
    for (let i = 0; i < 5; i++) await send(store, one, alice); // 2..6
    await send(store, two, bob); // 2
    const seqs = (p: Promise<{ entry: { seq: number } }[]>) => p.then((l) => l.map((e) => e.entry.seq));
    const [same1, same2, limited, other, empty, missing] = await Promise.all([
      seqs(store.readEntries(one, 1, 6, 100)),
      seqs(store.readEntries(one, 1, 6, 100)),
      seqs(store.readEntries(one, 2, 6, 2)),
      seqs(store.readEntries(two, 0, 2, 100)),
      seqs(store.readEntries(one, 6, 6, 100)),
      seqs(store.readEntries("nope", 0, 10, 100)),
    ]);
    assert.deepEqual([same1, same2, limited, other, empty, missing], [[2, 3, 4, 5, 6], [2, 3, 4, 5, 6], [3, 4], [1, 2], [], []]);
    const states = await Promise.all([
      store.getDeliveryState(one, bob.deviceId),
      store.getDeliveryState(one, carol.deviceId),
      store.getDeliveryState(two, carol.deviceId),
      store.getDeliveryState(two, bob.deviceId),
    ]);
    assert.deepEqual(states, [
      { conversationId: one, cursor: 1, joinedSeq: 1, removedSeq: null, lastSeq: 6 },
      null,
      { conversationId: two, cursor: 1, joinedSeq: 1, removedSeq: null, lastSeq: 2 },
      { conversationId: two, cursor: 2, joinedSeq: 1, removedSeq: null, lastSeq: 2 },
    ]);
  });

  test("device reads in one turn each get their device, revoked or not, or null", async () => {
    const alice = await newDev(store, "alice6");
    const bob = await newDev(store, "bob6");
    assert.equal((await store.revokeDevice(bob.deviceId, T0 + 5)).kind, "ok");
    const [a1, b, missing, a2] = await Promise.all([
      store.getDevice(alice.deviceId),
      store.getDevice(bob.deviceId),
      store.getDevice("nope"),
      store.getDevice(alice.deviceId),
    ]);
    assert.equal(a1?.deviceId, alice.deviceId);
    assert.equal(a1?.revokedAt, null);
    assert.deepEqual(a2, a1);
    assert.notEqual(a2, a1, "each caller gets its own record");
    assert.equal(b?.revokedAt, T0 + 5);
    assert.equal(missing, null);
  });

  test("session look-ups and conversation lists asked for in one turn (a reconnect wave) each get their own", async () => {
    const alice = await newDev(store, "alice7");
    const bob = await newDev(store, "bob7");
    const carol = await newDev(store, "carol7");
    const one = await groupOf(store, alice, [bob]);
    const two = await groupOf(store, alice, [bob, carol]);
    const hashes = [randomBytes(32), randomBytes(32)];
    await store.createSession({ tokenHash: hashes[0]!, username: "alice7", deviceId: alice.deviceId, createdAt: T0, expiresAt: T0 + 1 });
    await store.createSession({ tokenHash: hashes[1]!, username: "bob7", deviceId: bob.deviceId, createdAt: T0, expiresAt: T0 + 2 });
    const sessions = await Promise.all([store.getSession(hashes[1]!), store.getSession(randomBytes(32)), store.getSession(hashes[0]!), store.getSession(hashes[1]!)]);
    assert.deepEqual(
      sessions.map((x) => x && [x.username, x.deviceId, x.expiresAt, Buffer.from(x.tokenHash).toString("hex")]),
      [["bob7", bob.deviceId, T0 + 2, hashes[1]!.toString("hex")], null, ["alice7", alice.deviceId, T0 + 1, hashes[0]!.toString("hex")], ["bob7", bob.deviceId, T0 + 2, hashes[1]!.toString("hex")]],
    );
    const lists = await Promise.all([alice, bob, carol, { deviceId: "nope" }, bob].map((d) => store.listDeliveryStates(d.deviceId)));
    const ids = lists.map((l) => l.map((x) => x.conversationId));
    const both = [one, two].sort();
    assert.deepEqual(ids, [both, both, [two], [], both]);
    assert.deepEqual(lists[2], [{ conversationId: two, cursor: 1, joinedSeq: 1, removedSeq: null, lastSeq: 1 }]);
  });

  test("calls made just before close() are still carried out and answered", async () => {
    const alice = await newDev(store, "alice8");
    const bob = await newDev(store, "bob8");
    const conv = await groupOf(store, alice, [bob]);
    await send(store, conv, alice); // 2
    const closing = await PostgresStore.connect(db.url, { maxConnections: 2 });
    const ack = closing.ackDelivery(conv, bob.deviceId, 2);
    const sent = closing.appendApplication({ conversationId: conv, sender: alice, epoch: 1, messageId: newMessageId(), ciphertext: b64(), now: T0 });
    await closing.close();
    assert.deepEqual(await ack, { kind: "ok", cursor: 2 });
    assert.deepEqual(await sent, { kind: "ok", seq: 3 });
    assert.equal((await store.getDeliveryState(conv, bob.deviceId))?.cursor, 2);
  });

  test("appends racing on two instances with acks in flight keep seqs gap-free and commit in order", async () => {
    const alice = await newDev(store, "alice3");
    const bob = await newDev(store, "bob3");
    const conv = await groupOf(store, alice, [bob]);
    const sends = Array.from({ length: 40 }, (_, i) => send(i % 2 ? twin : store, conv, i % 3 ? alice : bob));
    const acks = Array.from({ length: 40 }, (_, i) => (i % 2 ? store : twin).ackDelivery(conv, bob.deviceId, i + 2));
    const seqs = (await Promise.all(sends)).sort((a, b) => a - b);
    await Promise.all(acks);
    assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => i + 2));
    const entries = await store.readEntries(conv, 0, 100, 100);
    assert.deepEqual(entries.map((e) => e.entry.seq), Array.from({ length: 41 }, (_, i) => i + 1));
  });
});
