import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryStore } from "../src/store/memoryStore.js";
import { SqliteLocalStore } from "../src/node/sqliteStore.js";
import type { LocalStore, StoredMessage } from "../src/store/LocalStore.js";

const msg = (seq: number, id = `msg-${seq}-xxxx`): StoredMessage => ({
  conversationId: "c".repeat(22),
  seq,
  messageId: id,
  senderUser: "alice",
  senderDevice: "d".repeat(22),
  sentAt: 1000 + seq,
  direction: "in",
  state: "received",
  envelope: { v: 1, kind: "text", text: `t${seq}` },
});

/** The same checks against every LocalStore implementation. */
function conformance(name: string, make: () => { store: LocalStore; reopen?: () => LocalStore; done: () => void }) {
  test(`${name}: applyInbound stores message, state and processed seq together; duplicates are refused`, async () => {
    const { store, done } = make();
    const id = "c".repeat(22);
    await store.applyInbound({ conversationId: id, processedSeq: 0, group: { state: new Uint8Array([1]), epoch: 0 } });
    await store.applyInbound({ conversationId: id, processedSeq: 1, group: { state: new Uint8Array([2]), epoch: 0 }, message: msg(1) });
    assert.deepEqual((await store.getGroup(id))?.processedSeq, 1);
    assert.equal(await store.addMessage(msg(1)), false, "same seq again");
    assert.equal(await store.addMessage(msg(2, "msg-1-xxxx")), false, "same message id again");
    assert.equal(await store.addMessage(msg(2)), true);
    assert.deepEqual((await store.listMessages(id)).map((m) => m.seq), [1, 2]);
    // processedSeq never goes backwards without a new state
    await store.applyInbound({ conversationId: id, processedSeq: 0 });
    assert.equal((await store.getGroup(id))?.processedSeq, 1);
    await store.close();
    done();
  });

  test(`${name}: unseen messages are listed until marked seen`, async () => {
    const { store, done } = make();
    for (const s of [1, 2, 3]) await store.addMessage(msg(s));
    await store.addMessage({ ...msg(4), direction: "out" });
    assert.deepEqual((await store.listUnseen()).map((m) => m.seq), [1, 2, 3]);
    await store.markSeen("c".repeat(22), [1, 2]);
    assert.deepEqual((await store.listUnseen()).map((m) => m.seq), [3]);
    await store.close();
    done();
  });

  test(`${name}: pins and key packages`, async () => {
    const { store, done } = make();
    await store.putPin({ username: "bob", accountKey: new Uint8Array(32).fill(7), verified: false, changedKey: null, firstSeen: 5 });
    await store.putPin({ username: "bob", accountKey: new Uint8Array(32).fill(7), verified: true, changedKey: new Uint8Array(32).fill(8), firstSeen: 9 });
    const pin = await store.getPin("bob");
    assert.equal(pin?.verified, true);
    assert.deepEqual(pin?.changedKey, new Uint8Array(32).fill(8));
    await store.putKeyPackages([{ ref: "r1", keyPackage: new Uint8Array([1]), privateState: new Uint8Array([2]), lastResort: false }]);
    assert.deepEqual((await store.getKeyPackage("r1"))?.privateState, new Uint8Array([2]));
    await store.deleteKeyPackage("r1");
    assert.equal(await store.getKeyPackage("r1"), undefined);
    await store.close();
    done();
  });
}

conformance("memory", () => ({ store: new MemoryStore(), done: () => {} }));
conformance("sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-store-"));
  return { store: new SqliteLocalStore(join(dir, "profile")), done: () => rmSync(dir, { recursive: true, force: true }) };
});

test("sqlite: the profile directory and database are private to the owner, and survive reopening", async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-store-"));
  const profile = join(dir, "profile");
  const store = new SqliteLocalStore(profile);
  await store.addMessage(msg(1));
  await store.close();
  assert.equal(statSync(profile).mode & 0o777, 0o700);
  assert.equal(statSync(join(profile, "parley.db")).mode & 0o777, 0o600);
  const again = new SqliteLocalStore(profile);
  assert.equal((await again.listMessages("c".repeat(22))).length, 1);
  await again.close();
  rmSync(dir, { recursive: true, force: true });
});

test("message states only move forward, whatever order receipts arrive in", async () => {
  for (const store of [new MemoryStore(), new SqliteLocalStore(mkdtempSync(join(tmpdir(), "parley-state-")))]) {
    const id = "c".repeat(22);
    await store.addMessage({ ...msg(1), direction: "out", state: "sent" });
    await store.setMessageState(id, "msg-1-xxxx", "read");
    await store.setMessageState(id, "msg-1-xxxx", "delivered");
    assert.equal((await store.listMessages(id))[0]!.state, "read");
    await store.close();
  }
});
