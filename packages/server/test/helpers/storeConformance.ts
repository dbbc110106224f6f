/**
 * The Store conformance suite: one set of tests that every Store implementation must pass
 * unchanged (store-sqlite.conformance.test.ts, store-postgres.conformance.test.ts). It talks to
 * the Store interface only. Where the promise is about concurrency, it opens a second instance of
 * the store on the same data (`twin`), as a second server process would, and races the two.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { newConversationId, newDeviceId, newMessageId } from "@parley/protocol";
import type { ApplicationInput, CommitInput, Store } from "../../src/index.js";

export interface OpenedStore {
  store: Store;
  /** Another instance of the store on the same data: another server process. */
  twin(): Promise<Store>;
  /** Closes every instance opened and deletes the data. */
  dispose(): Promise<void>;
}

export interface StoreHarness {
  name: string;
  /** Opens a fresh, empty store. */
  open(): Promise<OpenedStore>;
  /** Set to skip the whole suite (a missing service outside CI). */
  skip?: string | false;
}

const T0 = Date.UTC(2030, 0, 1);
const b64 = (n = 16) => randomBytes(n).toString("base64");

interface Dev {
  username: string;
  deviceId: string;
  tokenHash: Uint8Array;
}

async function newUser(store: Store, username: string): Promise<void> {
  const r = await store.createUser({ username, opaqueRecord: b64(), identityKey: b64(32), backup: b64(), createdAt: T0 });
  assert.equal(r.kind, "ok");
}

async function newSession(store: Store, username: string): Promise<Uint8Array> {
  const tokenHash = randomBytes(32);
  await store.createSession({ tokenHash, username, deviceId: null, createdAt: T0, expiresAt: T0 + 86_400_000 });
  return tokenHash;
}

async function newDev(store: Store, username: string, withUser = true): Promise<Dev> {
  if (withUser) await newUser(store, username);
  const tokenHash = await newSession(store, username);
  const deviceId = newDeviceId();
  const r = await store.registerDevice(
    { deviceId, username, name: "test", credential: b64(), signatureKey: b64(32), createdAt: T0 },
    tokenHash,
    50,
  );
  assert.equal(r.kind, "ok");
  return { username, deviceId, tokenHash };
}

async function group(store: Store, creator: Dev): Promise<string> {
  const conversationId = newConversationId();
  const r = await store.createConversation({
    conversationId,
    kind: "group",
    name: "g",
    creator,
    peer: null,
    groupInfo: b64(),
    createdAt: T0,
  });
  assert.equal(r.kind, "ok");
  return conversationId;
}

function commitInput(conversationId: string, sender: Dev, epoch: number, o: Partial<CommitInput> = {}): CommitInput {
  return {
    conversationId,
    sender: { username: sender.username, deviceId: sender.deviceId },
    epoch,
    messageId: newMessageId(),
    commit: b64(),
    groupInfo: b64(),
    welcome: b64(),
    add: [],
    remove: [],
    external: false,
    maxMembers: 100,
    now: T0,
    ...o,
  };
}

async function add(store: Store, conversationId: string, by: Dev, epoch: number, devices: Dev[]): Promise<number> {
  const r = await store.appendCommit(commitInput(conversationId, by, epoch, { add: devices.map((d) => d.deviceId) }));
  assert.equal(r.kind, "ok", JSON.stringify(r));
  return (r as { seq: number }).seq;
}

function applicationInput(conversationId: string, by: Dev, messageId = newMessageId()): ApplicationInput {
  return { conversationId, sender: { username: by.username, deviceId: by.deviceId }, epoch: 0, messageId, ciphertext: b64(), now: T0 };
}

async function send(store: Store, conversationId: string, by: Dev, messageId = newMessageId()) {
  return store.appendApplication(applicationInput(conversationId, by, messageId));
}

/** Defines the suite for one implementation. */
export function storeConformance(h: StoreHarness): void {
  describe(`Store conformance: ${h.name}`, { skip: h.skip ?? false }, () => {
    const it = (name: string, fn: (o: OpenedStore) => Promise<void>) =>
      test(name, async () => {
        const opened = await h.open();
        try {
          await fn(opened);
        } finally {
          await opened.dispose();
        }
      });

    it("answers ping, and one server-wide value wins however many instances create it at once", async (o) => {
      assert.equal(await o.store.ping(), true);
      const twin = await o.twin();
      const values = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? twin : o.store).getOrCreateMeta("opaque", () => `v${i}`)),
      );
      assert.equal(new Set(values).size, 1);
      assert.equal(await o.store.getOrCreateMeta("opaque", () => "later"), values[0]);
    });

    it("users: a username is taken once, even by two instances at the same moment", async (o) => {
      const twin = await o.twin();
      const make = (s: Store) => s.createUser({ username: "alice", opaqueRecord: b64(), identityKey: b64(), backup: b64(), createdAt: T0 });
      const results = await Promise.all([make(o.store), make(twin), make(o.store), make(twin)]);
      assert.equal(results.filter((r) => r.kind === "ok").length, 1);
      assert.equal(results.filter((r) => r.kind === "usernameTaken").length, 3);
      const u = await twin.getUser("alice");
      assert.equal(u?.username, "alice");
      assert.equal(u?.createdAt, T0);
      assert.equal(await o.store.getUser("nobody"), null);
    });

    it("sessions keep their token hash bytes and times, and go away when deleted", async (o) => {
      await newUser(o.store, "alice");
      const hash = await newSession(o.store, "alice");
      const s = await o.store.getSession(hash);
      assert.deepEqual(s && { ...s, tokenHash: Buffer.from(s.tokenHash) }, {
        tokenHash: Buffer.from(hash),
        username: "alice",
        deviceId: null,
        createdAt: T0,
        expiresAt: T0 + 86_400_000,
      });
      await o.store.deleteSession(hash);
      assert.equal(await o.store.getSession(hash), null);
    });

    it("devices: register binds the session once; quotas, duplicates and foreign sessions are refused", async (o) => {
      const alice = await newDev(o.store, "alice");
      assert.equal((await o.store.getSession(alice.tokenHash))?.deviceId, alice.deviceId);
      const dev = (deviceId: string, username = "alice") => ({ deviceId, username, name: "n", credential: b64(), signatureKey: b64(), createdAt: T0 + 1 });
      assert.equal((await o.store.registerDevice(dev(newDeviceId()), alice.tokenHash, 50)).kind, "sessionBound");
      const fresh = await newSession(o.store, "alice");
      assert.equal((await o.store.registerDevice(dev(alice.deviceId), fresh, 50)).kind, "deviceExists");
      assert.equal((await o.store.registerDevice(dev(newDeviceId()), fresh, 1)).kind, "quotaExceeded");
      assert.equal((await o.store.registerDevice(dev(newDeviceId(), "bob"), fresh, 50)).kind, "sessionInvalid");
      assert.equal((await o.store.registerDevice(dev(newDeviceId()), randomBytes(32), 50)).kind, "sessionInvalid");
      // Two instances binding the same session to two devices: one wins.
      const twin = await o.twin();
      const [a, b] = await Promise.all([o.store.registerDevice(dev(newDeviceId()), fresh, 50), twin.registerDevice(dev(newDeviceId()), fresh, 50)]);
      assert.deepEqual([a.kind, b.kind].sort(), ["ok", "sessionBound"]);
      const list = await o.store.listDevices("alice");
      assert.equal(list.length, 2);
      assert.equal(list[0]!.deviceId, alice.deviceId);
      assert.equal((await o.store.getDevice(alice.deviceId))?.revokedAt, null);
    });

    it("key packages: quota, oldest one-time first, then the last-resort one is handed out and kept", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const up = await o.store.uploadKeyPackages(bob.deviceId, ["k1", "k2"], "last", 3, T0);
      assert.deepEqual(up, { kind: "ok", counts: { oneTime: 2, lastResort: true } });
      assert.equal((await o.store.uploadKeyPackages(bob.deviceId, ["k3", "k4"], null, 3, T0)).kind, "quotaExceeded");
      const claim = () => o.store.claimKeyPackages("bob", alice.deviceId);
      assert.deepEqual(await claim(), [{ deviceId: bob.deviceId, keyPackage: "k1" }]);
      assert.deepEqual(await claim(), [{ deviceId: bob.deviceId, keyPackage: "k2" }]);
      assert.deepEqual(await claim(), [{ deviceId: bob.deviceId, keyPackage: "last" }]);
      assert.deepEqual(await claim(), [{ deviceId: bob.deviceId, keyPackage: "last" }]);
      assert.deepEqual(await o.store.countKeyPackages(bob.deviceId), { oneTime: 0, lastResort: true });
      // The claiming device itself is left out.
      assert.deepEqual(await o.store.claimKeyPackages("bob", bob.deviceId), []);
    });

    it("key packages: instances claiming at once never hand out the same one-time package", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const packages = Array.from({ length: 40 }, (_, i) => `kp${i}`);
      await o.store.uploadKeyPackages(bob.deviceId, packages, "last", 100, T0);
      const twin = await o.twin();
      const claims = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? twin : o.store).claimKeyPackages("bob", alice.deviceId)));
      const handed = claims.flat().map((c) => c.keyPackage);
      const oneTime = handed.filter((k) => k !== "last");
      assert.equal(new Set(oneTime).size, oneTime.length, "a one-time key package was handed out twice");
      assert.equal(handed.length, 60, "every claim got a package");
      assert.deepEqual((await o.store.countKeyPackages(bob.deviceId)).oneTime, 40 - oneTime.length);
    });

    it("conversations: ids and live direct pairs are unique; unknown peers are refused", async (o) => {
      const alice = await newDev(o.store, "alice");
      await newDev(o.store, "bob");
      const direct = (id: string = newConversationId(), peer = "bob") =>
        o.store.createConversation({ conversationId: id, kind: "direct", name: "", creator: alice, peer, groupInfo: null, createdAt: T0 });
      const first = await direct();
      assert.equal(first.kind, "ok");
      const id = (first as { conversation: { conversationId: string } }).conversation.conversationId;
      assert.deepEqual(await direct(), { kind: "directExists", conversationId: id });
      assert.deepEqual(await direct(id), { kind: "idTaken" });
      assert.deepEqual(await direct(newConversationId(), "nobody"), { kind: "peerNotFound" });
      const c = await o.store.getConversation(id);
      assert.deepEqual(c, { conversationId: id, kind: "direct", name: "", epoch: 0, lastSeq: 0, createdAt: T0, directUsers: ["alice", "bob"] });
      assert.deepEqual((await o.store.listConversationsOfUser("alice")).map((x) => x.conversationId), [id]);
      assert.deepEqual(await o.store.listConversationsOfUser("bob"), []);
      assert.deepEqual(await o.store.getGroupInfo(id), { epoch: 0, groupInfo: null });
    });

    it("conversations: two instances creating the same direct conversation at once agree on one", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const twin = await o.twin();
      const [a, b] = await Promise.all([
        o.store.createConversation({ conversationId: newConversationId(), kind: "direct", name: "", creator: alice, peer: "bob", groupInfo: null, createdAt: T0 }),
        twin.createConversation({ conversationId: newConversationId(), kind: "direct", name: "", creator: bob, peer: "alice", groupInfo: null, createdAt: T0 }),
      ]);
      const kinds = [a.kind, b.kind].sort();
      assert.deepEqual(kinds, ["directExists", "ok"]);
      const winner = a.kind === "ok" ? a.conversation.conversationId : (b as { conversation: { conversationId: string } }).conversation.conversationId;
      const loser = a.kind === "directExists" ? a : b;
      assert.equal((loser as { conversationId: string }).conversationId, winner);
    });

    it("commits: epochs advance, members and Welcomes follow, and every refusal is its own outcome", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const carol = await newDev(o.store, "carol");
      const conv = await group(o.store, alice);
      const s = o.store;
      assert.deepEqual(await s.appendCommit(commitInput(conv, bob, 0)), { kind: "notMember" });
      assert.deepEqual(await s.appendCommit(commitInput("nope", alice, 0)), { kind: "conversationNotFound" });
      assert.deepEqual(await s.appendCommit(commitInput(conv, alice, 0, { add: ["ghost"] })), { kind: "deviceNotFound", deviceId: "ghost" });
      assert.deepEqual(await s.appendCommit(commitInput(conv, alice, 0, { add: [alice.deviceId] })), { kind: "alreadyMember", deviceId: alice.deviceId });
      assert.deepEqual(await s.appendCommit(commitInput(conv, alice, 0, { add: [bob.deviceId, carol.deviceId], maxMembers: 2 })), { kind: "tooManyMembers" });

      const input = commitInput(conv, alice, 0, { add: [bob.deviceId] });
      const ok = await s.appendCommit(input);
      assert.deepEqual(ok, { kind: "ok", seq: 1, epoch: 1, added: [bob.deviceId], removed: [] });
      assert.deepEqual(await s.appendCommit(input), { kind: "duplicate", seq: 1, epoch: 1 });
      assert.deepEqual(await s.appendCommit({ ...commitInput(conv, bob, 1), messageId: input.messageId }), { kind: "messageIdTaken" });
      assert.deepEqual(await s.appendCommit(commitInput(conv, bob, 0)), { kind: "staleEpoch", epoch: 1 });
      assert.deepEqual(await s.getGroupInfo(conv), { epoch: 1, groupInfo: input.groupInfo });

      const members = await s.listMembers(conv);
      assert.deepEqual(members.map((m) => [m.username, m.joinedSeq]), [["alice", 0], ["bob", 1]]);
      const welcomes = await s.readWelcomes(bob.deviceId, 0, 10);
      assert.equal(welcomes.length, 1);
      assert.deepEqual({ ...welcomes[0], seq: 0 }, { seq: 0, conversationId: conv, commitSeq: 1, epoch: 1, sender: { username: "alice", deviceId: alice.deviceId }, sentAt: T0, data: input.welcome });

      const entries = await s.readEntries(conv, 0, 10, 10);
      assert.equal(entries.length, 1);
      assert.deepEqual(entries[0]!.entry, {
        kind: "commit", seq: 1, epoch: 0, sentAt: T0, messageId: input.messageId,
        sender: { username: "alice", deviceId: alice.deviceId }, data: input.commit,
        add: [bob.deviceId], remove: [], external: false,
      });
      assert.equal(entries[0]!.senderDeviceId, alice.deviceId);

      // Bob removes alice; a revoked device cannot be added.
      const removal = await s.appendCommit(commitInput(conv, bob, 1, { remove: [alice.deviceId], welcome: null }));
      assert.deepEqual(removal, { kind: "ok", seq: 2, epoch: 2, added: [], removed: [alice.deviceId] });
      await s.revokeDevice(carol.deviceId, T0);
      assert.deepEqual(await s.appendCommit(commitInput(conv, bob, 2, { add: [carol.deviceId] })), { kind: "deviceRevoked", deviceId: carol.deviceId });
      assert.deepEqual((await s.getDeliveryState(conv, alice.deviceId))?.removedSeq, 2);
    });

    it("commits: external joins need a fellow device in the group; direct conversations admit only their two users", async (o) => {
      const alice = await newDev(o.store, "alice");
      const alice2 = await newDev(o.store, "alice", false);
      const bob = await newDev(o.store, "bob");
      const carol = await newDev(o.store, "carol");
      const r = await o.store.createConversation({ conversationId: newConversationId(), kind: "direct", name: "", creator: alice, peer: "bob", groupInfo: null, createdAt: T0 });
      assert.equal(r.kind, "ok");
      const conv = (r as { conversation: { conversationId: string } }).conversation.conversationId;
      assert.deepEqual(await o.store.appendCommit(commitInput(conv, alice, 0, { add: [carol.deviceId] })), { kind: "notParticipant", deviceId: carol.deviceId });
      assert.deepEqual(await o.store.appendCommit(commitInput(conv, bob, 0, { external: true, welcome: null })), { kind: "notMember" });
      const ext = await o.store.appendCommit(commitInput(conv, alice2, 0, { external: true, welcome: null }));
      assert.deepEqual(ext, { kind: "ok", seq: 1, epoch: 1, added: [alice2.deviceId], removed: [] });
      assert.deepEqual(await o.store.appendCommit(commitInput(conv, alice2, 1, { external: true, welcome: null })), { kind: "alreadyMember", deviceId: alice2.deviceId });
      assert.deepEqual(await o.store.readWelcomes(alice2.deviceId, 0, 10), []);
    });

    it("commits: of many commits for one epoch arriving at two instances at once, exactly one wins", async (o) => {
      const devs = [await newDev(o.store, "alice")];
      for (const u of ["bob", "carol", "dave", "erin", "frank"]) devs.push(await newDev(o.store, u));
      const conv = await group(o.store, devs[0]!);
      await add(o.store, conv, devs[0]!, 0, devs.slice(1));
      const twin = await o.twin();
      for (let epoch = 1; epoch <= 5; epoch++) {
        const results = await Promise.all(devs.map((d, i) => (i % 2 ? twin : o.store).appendCommit(commitInput(conv, d, epoch, { welcome: null }))));
        assert.equal(results.filter((r) => r.kind === "ok").length, 1, `epoch ${epoch}: ${JSON.stringify(results)}`);
        assert.ok(results.every((r) => r.kind === "ok" || (r.kind === "staleEpoch" && r.epoch === epoch + 1)));
      }
      const c = await o.store.getConversation(conv);
      assert.equal(c?.epoch, 6);
      assert.equal(c?.lastSeq, 6);
    });

    it("application messages: seqs strictly increase with no gap or repeat across instances; retries are duplicates", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const conv = await group(o.store, alice);
      await add(o.store, conv, alice, 0, [bob]);
      const twin = await o.twin();
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => send(i % 2 ? twin : o.store, conv, i % 3 ? alice : bob)));
      const seqs = results.map((r) => (r.kind === "ok" ? r.seq : -1)).sort((a, b) => a - b);
      assert.deepEqual(seqs, Array.from({ length: 60 }, (_, i) => i + 2));
      const mid = newMessageId();
      const first = await send(o.store, conv, alice, mid);
      assert.deepEqual(await send(twin, conv, alice, mid), { kind: "duplicate", seq: (first as { seq: number }).seq });
      assert.deepEqual(await send(twin, conv, bob, mid), { kind: "messageIdTaken" });
      const carol = await newDev(o.store, "carol");
      assert.deepEqual(await send(o.store, conv, carol), { kind: "notMember" });
      assert.deepEqual(await send(o.store, "nope", carol), { kind: "conversationNotFound" });
      const read = await o.store.readEntries(conv, 0, 1000, 1000);
      assert.deepEqual(read.map((e) => e.entry.seq), Array.from({ length: 62 }, (_, i) => i + 1));
      assert.deepEqual((await o.store.readEntries(conv, 10, 20, 5)).map((e) => e.entry.seq), [11, 12, 13, 14, 15]);
    });

    it("application messages: appendApplications keeps the order given, even with other appends and another instance racing it", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const carol = await newDev(o.store, "carol");
      const conv = await group(o.store, alice);
      await add(o.store, conv, alice, 0, [bob]);
      const twin = await o.twin();
      const taken = newMessageId();
      await send(o.store, conv, bob, taken);
      // Several groups at once on each instance, more items in one turn than one PostgreSQL batch
      // takes (256), among single appends from both instances.
      const groups = Array.from({ length: 6 }, () => Array.from({ length: 100 }, () => applicationInput(conv, alice)));
      groups[0]![5] = applicationInput(conv, alice, taken);
      groups[0]![6] = applicationInput(conv, carol);
      const refused = (i: number, k: number) => i === 0 && (k === 5 || k === 6);
      const settled = await Promise.all([
        ...groups.map((g, i) => Promise.all((i % 2 ? twin : o.store).appendApplications(g))),
        ...Array.from({ length: 40 }, (_, i) => send(i % 2 ? twin : o.store, conv, bob)),
      ]);
      const outcomes = settled.slice(0, groups.length) as Awaited<ReturnType<typeof send>>[][];
      assert.deepEqual(outcomes[0]![5], { kind: "messageIdTaken" });
      assert.deepEqual(outcomes[0]![6], { kind: "notMember" });
      outcomes.forEach((list, i) => {
        assert.ok(list.every((r, k) => refused(i, k) || r.kind === "ok"));
        const seqs = list.flatMap((r, k) => (refused(i, k) ? [] : [(r as { seq: number }).seq]));
        for (let k = 1; k < seqs.length; k++) assert.ok(seqs[k]! > seqs[k - 1]!, `group ${i} stored in the order given`);
      });
      const read = await o.store.readEntries(conv, 0, 10_000, 10_000);
      assert.equal(read.length, 2 + 598 + 40, "every accepted append stored once");
      assert.deepEqual(await Promise.all(o.store.appendApplications([])), []);
    });

    it("Welcomes: each device's queue numbers strictly increase even when instances add it to many groups at once", async (o) => {
      const bob = await newDev(o.store, "bob");
      const owners: Dev[] = [];
      for (let i = 0; i < 12; i++) owners.push(await newDev(o.store, `owner${i}`));
      const convs = await Promise.all(owners.map((d) => group(o.store, d)));
      const twin = await o.twin();
      await Promise.all(owners.map((d, i) => add(i % 2 ? twin : o.store, convs[i]!, d, 0, [bob])));
      const welcomes = await o.store.readWelcomes(bob.deviceId, 0, 100);
      assert.equal(welcomes.length, 12);
      for (let i = 1; i < welcomes.length; i++) assert.ok(welcomes[i]!.seq > welcomes[i - 1]!.seq);
      assert.deepEqual(new Set(welcomes.map((w) => w.conversationId)), new Set(convs));
      assert.deepEqual(await o.store.countPending(bob.deviceId), { entries: 0, welcomes: 12 });
      await o.store.ackWelcomes(bob.deviceId, welcomes[4]!.seq);
      assert.equal((await o.store.readWelcomes(bob.deviceId, 0, 100)).length, 7);
      assert.equal((await o.store.readWelcomes(bob.deviceId, welcomes[8]!.seq, 100)).length, 3);
    });

    it("delivery: acks clamp, never go back, and pass over the device's own entries", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const conv = await group(o.store, alice);
      await add(o.store, conv, alice, 0, [bob]); // seq 1
      await send(o.store, conv, alice); // 2
      await send(o.store, conv, bob); // 3 (bob's own)
      await send(o.store, conv, bob); // 4 (bob's own)
      await send(o.store, conv, alice); // 5
      const state = await o.store.getDeliveryState(conv, bob.deviceId);
      assert.deepEqual(state, { conversationId: conv, cursor: 1, joinedSeq: 1, removedSeq: null, lastSeq: 5 });
      assert.deepEqual(await o.store.countPending(bob.deviceId), { entries: 2, welcomes: 1 });
      assert.deepEqual(await o.store.ackDelivery(conv, bob.deviceId, 2), { kind: "ok", cursor: 4 });
      assert.deepEqual(await o.store.ackDelivery(conv, bob.deviceId, 1), { kind: "ok", cursor: 4 });
      assert.deepEqual(await o.store.ackDelivery(conv, bob.deviceId, 999), { kind: "ok", cursor: 5 });
      assert.deepEqual(await o.store.countPending(bob.deviceId), { entries: 0, welcomes: 1 });
      const carol = await newDev(o.store, "carol");
      assert.deepEqual(await o.store.ackDelivery(conv, carol.deviceId, 1), { kind: "notMember" });
      // Alice sent with everything acked before: her cursor passed her own entries at once.
      assert.deepEqual((await o.store.getDeliveryState(conv, alice.deviceId))?.cursor, 2);
      assert.deepEqual((await o.store.listDeliveryStates(bob.deviceId)).map((s) => s.conversationId), [conv]);
    });

    it("delivery: advanceCursor only moves forward, keeps the highest of a burst, and is durable once resolved", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const conv = await group(o.store, alice);
      await add(o.store, conv, alice, 0, [bob]); // seq 1
      for (let i = 0; i < 6; i++) await send(o.store, conv, alice); // 2..7
      // A burst in one turn (coalesced where the store does that), out of order.
      await Promise.all([4, 6, 3, 5].map((cursor) => o.store.advanceCursor(conv, bob.deviceId, cursor)));
      assert.equal((await o.store.getDeliveryState(conv, bob.deviceId))?.cursor, 6);
      await o.store.advanceCursor(conv, bob.deviceId, 2);
      assert.equal((await o.store.getDeliveryState(conv, bob.deviceId))?.cursor, 6, "never back");
      // Another instance on the same data sees it as soon as the promise resolved.
      const twin = await o.twin();
      await o.store.advanceCursor(conv, bob.deviceId, 7);
      assert.equal((await twin.getDeliveryState(conv, bob.deviceId))?.cursor, 7);
      // Other devices and conversations are untouched.
      assert.equal((await o.store.getDeliveryState(conv, alice.deviceId))?.cursor, 7, "alice passed her own entries");
      assert.deepEqual(await o.store.countPending(bob.deviceId), { entries: 0, welcomes: 1 });
    });

    it("delivery: acks racing on two instances leave the highest cursor", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const conv = await group(o.store, alice);
      await add(o.store, conv, alice, 0, [bob]);
      for (let i = 0; i < 30; i++) await send(o.store, conv, alice);
      const twin = await o.twin();
      await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? twin : o.store).ackDelivery(conv, bob.deviceId, i + 2)));
      assert.equal((await o.store.getDeliveryState(conv, bob.deviceId))?.cursor, 31);
    });

    it("leaving: the user's devices get the entry that removed them and nothing after; the direct pair frees up", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const r = await o.store.createConversation({ conversationId: newConversationId(), kind: "direct", name: "", creator: alice, peer: "bob", groupInfo: null, createdAt: T0 });
      const conv = (r as { conversation: { conversationId: string } }).conversation.conversationId;
      await add(o.store, conv, alice, 0, [bob]);
      const left = await o.store.leaveConversation(conv, "bob", T0 + 5);
      assert.deepEqual(left, { kind: "ok", seq: 2, deviceIds: [bob.deviceId] });
      assert.deepEqual(await o.store.leaveConversation(conv, "bob", T0), { kind: "notMember" });
      assert.deepEqual(await o.store.leaveConversation("nope", "bob", T0), { kind: "conversationNotFound" });
      const [entry] = await o.store.readEntries(conv, 1, 2, 10);
      assert.deepEqual(entry!.entry, { kind: "system", seq: 2, epoch: 1, sentAt: T0 + 5, system: { event: "left", username: "bob", deviceIds: [bob.deviceId] } });
      await send(o.store, conv, alice);
      assert.deepEqual((await o.store.getDeliveryState(conv, bob.deviceId))?.removedSeq, 2);
      assert.deepEqual(await o.store.countPending(bob.deviceId), { entries: 1, welcomes: 1 });
      const again = await o.store.createConversation({ conversationId: newConversationId(), kind: "direct", name: "", creator: alice, peer: "bob", groupInfo: null, createdAt: T0 });
      assert.equal(again.kind, "ok");
    });

    it("revoking a device removes it everywhere, with a system entry in each conversation", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const c1 = await group(o.store, alice);
      const c2 = await group(o.store, alice);
      await add(o.store, c1, alice, 0, [bob]);
      await add(o.store, c2, alice, 0, [bob]);
      await o.store.uploadKeyPackages(bob.deviceId, ["k"], "l", 10, T0);
      assert.equal(await o.store.isDeviceActive(bob.deviceId), true);
      const r = await o.store.revokeDevice(bob.deviceId, T0 + 9);
      assert.equal(await o.store.isDeviceActive(bob.deviceId), false);
      assert.equal(await o.store.isDeviceActive("ghost"), false);
      assert.equal(await o.store.isDeviceActive(alice.deviceId), true);
      assert.equal(r.kind, "ok");
      const appended = (r as { appended: { conversationId: string; seq: number }[] }).appended;
      assert.deepEqual(new Set(appended.map((a) => a.conversationId)), new Set([c1, c2]));
      assert.ok(appended.every((a) => a.seq === 2));
      assert.deepEqual(await o.store.revokeDevice(bob.deviceId, T0), { kind: "ok", appended: [], alreadyRevoked: true });
      assert.deepEqual(await o.store.revokeDevice("ghost", T0), { kind: "notFound" });
      assert.equal((await o.store.getDevice(bob.deviceId))?.revokedAt, T0 + 9);
      assert.equal(await o.store.getSession(bob.tokenHash), null);
      assert.deepEqual(await o.store.countKeyPackages(bob.deviceId), { oneTime: 0, lastResort: false });
      assert.deepEqual(await o.store.readWelcomes(bob.deviceId, 0, 10), []);
      assert.deepEqual((await o.store.listMembers(c1)).map((m) => m.username), ["alice"]);
    });

    it("a revocation racing a commit that adds the device leaves it in no conversation", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const convs = await Promise.all(Array.from({ length: 6 }, () => group(o.store, alice)));
      const twin = await o.twin();
      await Promise.all([
        ...convs.map((c, i) => (i % 2 ? twin : o.store).appendCommit(commitInput(c, alice, 0, { add: [bob.deviceId] }))),
        twin.revokeDevice(bob.deviceId, T0),
      ]);
      for (const c of convs) assert.deepEqual((await o.store.listMembers(c)).map((m) => m.username), ["alice"]);
    });

    it("the sweep deletes acked entries, expired ones, old Welcomes and expired sessions, and keeps the rest", async (o) => {
      const alice = await newDev(o.store, "alice");
      const bob = await newDev(o.store, "bob");
      const conv = await group(o.store, alice);
      await add(o.store, conv, alice, 0, [bob]); // 1
      await send(o.store, conv, alice); // 2
      await send(o.store, conv, alice); // 3
      await o.store.ackDelivery(conv, bob.deviceId, 2);
      const first = await o.store.sweep(T0 + 1000, 86_400_000);
      assert.deepEqual(first, { entries: 2, welcomes: 0, sessions: 0 });
      assert.deepEqual((await o.store.readEntries(conv, 0, 10, 10)).map((e) => e.entry.seq), [3]);
      const later = await o.store.sweep(T0 + 2 * 86_400_000, 86_400_000);
      assert.deepEqual(later, { entries: 1, welcomes: 1, sessions: 2 });
      assert.deepEqual(await o.store.readEntries(conv, 0, 10, 10), []);
      // The conversation itself, its GroupInfo and its numbering survive.
      assert.equal((await o.store.getConversation(conv))?.lastSeq, 3);
      assert.equal((await send(o.store, conv, alice)).kind, "ok");
    });
  });
}
