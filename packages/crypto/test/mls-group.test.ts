import assert from "node:assert/strict";
import { test } from "node:test";
import { MlsGroup, PADDING_BUCKET_BYTES, keyPackageIdentity, keyPackageRef } from "../src/mls/index.js";
import {
  allowList,
  commitAndDeliver,
  finder,
  makeDevice,
  memberNames,
  nameOf,
  rejectsWith,
  sameEpoch,
  sendAndCheck,
  uploadKeyPackage,
  utf8,
  type Device,
} from "./mls-fixtures.js";

const groupId = utf8.encode("conversation-1");

/** alice creates a group and adds bob and carol in one commit. */
async function threeMembers() {
  const [alice, bob, carol] = await Promise.all([makeDevice("alice/dev1"), makeDevice("bob/dev1"), makeDevice("carol/dev1")]);
  const validate = allowList(alice, bob, carol);
  const a = await MlsGroup.create(groupId, alice.signer, validate);
  const pending = await a.commitAdd([await uploadKeyPackage(bob), await uploadKeyPackage(carol)]);
  assert.deepEqual(pending.added.map((m) => nameOf(m.credentialIdentity)), ["bob/dev1", "carol/dev1"]);
  assert.equal(pending.epoch, 1);
  assert.ok(pending.welcome);
  await a.merge(pending);
  const join = async (d: Device) => (await MlsGroup.joinFromWelcome(pending.welcome!, finder(d), d.signer, validate)).group;
  const b = await join(bob);
  const c = await join(carol);
  return { alice, bob, carol, validate, a, b, c };
}

test("create, add two devices in one commit, and messages flow every way", async () => {
  const { a, b, c } = await threeMembers();
  assert.deepEqual(memberNames(a), ["alice/dev1", "bob/dev1", "carol/dev1"]);
  assert.deepEqual(memberNames(b), memberNames(a));
  assert.deepEqual([a.ownLeafIndex, b.ownLeafIndex, c.ownLeafIndex], [0, 1, 2]);
  sameEpoch([a, b, c]);
  await sendAndCheck(a, "alice/dev1", [b, c], "hello from alice");
  await sendAndCheck(b, "bob/dev1", [a, c], "hello from bob");
  await sendAndCheck(c, "carol/dev1", [a, b], "hello from carol");
  await sendAndCheck(a, "alice/dev1", [b, c], "and again");
});

test("joinFromWelcome reports which key package it used", async () => {
  const [alice, bob] = await Promise.all([makeDevice("alice/dev1"), makeDevice("bob/dev1")]);
  const validate = allowList(alice, bob);
  await uploadKeyPackage(bob);
  const kp = await uploadKeyPackage(bob);
  const a = await MlsGroup.create(groupId, alice.signer, validate);
  const pending = await a.commitAdd([kp]);
  const { usedRef } = await MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, validate);
  assert.equal(usedRef, await keyPackageRef(kp));
  assert.deepEqual(nameOf(keyPackageIdentity(kp).credentialIdentity), "bob/dev1");
});

test("a removed member learns it was removed and cannot read later messages", async () => {
  const { carol, a, b, c } = await threeMembers();
  const carolBefore = c.serialize();
  const pending = await a.commitRemove([c.ownLeafIndex]);
  assert.deepEqual(pending.removed.map((m) => nameOf(m.credentialIdentity)), ["carol/dev1"]);
  assert.equal(pending.welcome, undefined);
  await a.merge(pending);
  const seenByBob = await b.process(pending.commit);
  assert.equal(seenByBob.kind, "commit");
  if (seenByBob.kind === "commit") {
    assert.deepEqual(seenByBob.removed.map((m) => nameOf(m.credentialIdentity)), ["carol/dev1"]);
    assert.equal(seenByBob.sender && nameOf(seenByBob.sender.credentialIdentity), "alice/dev1");
    assert.equal(seenByBob.external, false);
  }
  const seenByCarol = await c.process(pending.commit);
  assert.equal(seenByCarol.kind, "commit");
  assert.equal(c.isActive, false);
  assert.deepEqual(memberNames(a), ["alice/dev1", "bob/dev1"]);

  const secret = await a.encrypt(utf8.encode("carol must not read this"));
  assert.equal((await b.process(secret)).kind, "application");
  await rejectsWith(c.process(secret), "MLS_REMOVED");
  await rejectsWith(c.encrypt(utf8.encode("still here?")), "MLS_REMOVED");
  // Even a copy of carol's state from before the removal has no keys for the new epoch.
  const carolCopy = await MlsGroup.restore(carolBefore, carol.signer, allowList());
  await rejectsWith(carolCopy.process(secret), "MLS_WRONG_EPOCH");
});

test("commitUpdate gives everyone new epoch secrets and messages keep flowing", async () => {
  const { a, b, c } = await threeMembers();
  const before = a.epochAuthenticator;
  const pending = await commitAndDeliver(b, (g) => g.commitUpdate(), [a, c]);
  assert.deepEqual(pending.added, []);
  assert.deepEqual(pending.removed, []);
  sameEpoch([a, b, c]);
  assert.notDeepEqual(a.epochAuthenticator, before);
  await sendAndCheck(c, "carol/dev1", [a, b], "after the update");
  await sendAndCheck(b, "bob/dev1", [a, c], "me too");
});

test("serialize and restore mid-conversation, then carry on both ways", async () => {
  const { alice, bob, validate, a, b, c } = await threeMembers();
  await sendAndCheck(a, "alice/dev1", [b, c], "one");
  await sendAndCheck(b, "bob/dev1", [a, c], "two");
  // A message alice has not read yet when she saves.
  const unread = await b.encrypt(utf8.encode("three"));
  assert.equal((await c.process(unread)).kind, "application");

  const a2 = await MlsGroup.restore(a.serialize(), alice.signer, validate);
  const b2 = await MlsGroup.restore(b.serialize(), bob.signer, validate);
  assert.equal(a2.epoch, a.epoch);
  assert.deepEqual(a2.groupId, a.groupId);
  assert.deepEqual(memberNames(a2), memberNames(a));
  const got = await a2.process(unread);
  assert.equal(got.kind === "application" && new TextDecoder().decode(got.plaintext), "three");
  await sendAndCheck(a2, "alice/dev1", [b2, c], "four");
  await sendAndCheck(b2, "bob/dev1", [a2, c], "five");
  await sendAndCheck(c, "carol/dev1", [a2, b2], "six");
  // The restored states go on through commits too (private key path and secret tree survived).
  await commitAndDeliver(a2, (g) => g.commitUpdate(), [b2, c]);
  await commitAndDeliver(c, (g) => g.commitUpdate(), [a2, b2]);
  sameEpoch([a2, b2, c]);
  await sendAndCheck(b2, "bob/dev1", [a2, c], "seven");
});

test("restore refuses another signer and corrupt bytes", async () => {
  const { a, bob, validate } = await threeMembers();
  await rejectsWith(MlsGroup.restore(a.serialize(), bob.signer, validate), "MLS_STATE_CORRUPT");
  const bytes = a.serialize();
  await rejectsWith(MlsGroup.restore(bytes.subarray(0, bytes.length - 1), bob.signer, validate), "MLS_STATE_CORRUPT");
  await rejectsWith(MlsGroup.restore(utf8.encode("nonsense"), bob.signer, validate), "MLS_STATE_CORRUPT");
});

test("a commit the server refused is dropped: the group stays where it was", async () => {
  const { a, b, c } = await threeMembers();
  const refused = await a.commitUpdate();
  assert.equal(a.epoch, refused.epoch - 1);
  await sendAndCheck(a, "alice/dev1", [b, c], "still in the old epoch");
  // bob's commit wins the race; alice processes it and her own is now void.
  await commitAndDeliver(b, (g) => g.commitUpdate(), [a, c]);
  await rejectsWith(a.merge(refused), "MLS_WRONG_EPOCH");
  await commitAndDeliver(a, (g) => g.commitUpdate(), [b, c]);
  sameEpoch([a, b, c]);
  await sendAndCheck(c, "carol/dev1", [a, b], "all good");
});

test("our own commit coming back from the server is merged, even after a restart", async () => {
  const { alice, validate, a, b, c } = await threeMembers();
  const pending = await a.commitUpdate();
  const saved = a.serialize();
  // The server echoes the commit before we called merge(): process() merges it.
  const echo = await a.process(pending.commit);
  assert.equal(echo.kind, "commit");
  assert.equal(a.epoch, pending.epoch);
  // Once merged, seeing it again is a message from a past epoch.
  await rejectsWith(a.process(pending.commit), "MLS_WRONG_EPOCH");
  // A device that crashed after saving, before the server answered: the echo still applies.
  const restarted = await MlsGroup.restore(saved, alice.signer, validate);
  assert.equal((await restarted.process(pending.commit)).kind, "commit");
  await b.process(pending.commit);
  await c.process(pending.commit);
  sameEpoch([a, restarted, b, c]);
  await sendAndCheck(restarted, "alice/dev1", [b, c], "back");
});

test("application messages are padded to a bucket, so sizes leak only coarsely", async () => {
  const { a, b } = await threeMembers();
  const sizes = new Map<number, number>();
  for (const n of [0, 1, 50, 100, 150]) {
    const ct = await a.encrypt(new Uint8Array(n).fill(7));
    sizes.set(n, ct.length);
    const got = await b.process(ct);
    assert.equal(got.kind === "application" && got.plaintext.length, n);
  }
  assert.equal(new Set(sizes.values()).size, 1, `sizes ${[...sizes.entries()]}`);
  const big = await a.encrypt(new Uint8Array(PADDING_BUCKET_BYTES));
  assert.ok(big.length >= sizes.get(0)! + PADDING_BUCKET_BYTES, "the next bucket is a whole bucket larger");
  const bigger = await a.encrypt(new Uint8Array(PADDING_BUCKET_BYTES + 100));
  assert.equal(bigger.length, big.length);
});

test("process refuses other groups, garbage, our own messages and stale commits", async () => {
  const { alice, validate, a, b, c } = await threeMembers();
  const other = await MlsGroup.create(utf8.encode("conversation-2"), alice.signer, validate);
  await rejectsWith(b.process(await other.encrypt(utf8.encode("x"))), "MLS_WRONG_GROUP");
  await rejectsWith(b.process(utf8.encode("not mls")), "MLS_MALFORMED");
  const mine = await a.encrypt(utf8.encode("mine"));
  await rejectsWith(a.process(mine), "MLS_OWN_MESSAGE");
  const tampered = mine.slice();
  tampered[tampered.length - 5]! ^= 1;
  await rejectsWith(b.process(tampered), "MLS_DECRYPT_FAILED");
  assert.equal((await b.process(mine)).kind, "application", "a failed message leaves the state usable");
  const old = await commitAndDeliver(b, (g) => g.commitUpdate(), [a, c]);
  await rejectsWith(c.process(old.commit), "MLS_WRONG_EPOCH");
  await rejectsWith(b.process(old.welcome ?? (await uploadKeyPackage(alice))), "MLS_MALFORMED");
});

test("concurrent calls on one group run one at a time", async () => {
  const { a, b } = await threeMembers();
  const texts = Array.from({ length: 8 }, (_, i) => `message ${i}`);
  const ciphertexts = await Promise.all(texts.map((t) => a.encrypt(utf8.encode(t))));
  const read = [];
  for (const ct of ciphertexts) {
    const p = await b.process(ct);
    if (p.kind === "application") read.push(new TextDecoder().decode(p.plaintext));
  }
  assert.deepEqual(read, texts);
});

test("messages from a just-finished epoch still decrypt after the commit", async () => {
  const { a, b, c } = await threeMembers();
  const late = await c.encrypt(utf8.encode("sent before the commit"));
  await commitAndDeliver(a, (g) => g.commitUpdate(), [b, c]);
  const got = await b.process(late);
  assert.equal(got.kind, "application");
  if (got.kind === "application") assert.equal(got.epoch, a.epoch - 1);
});

test("argument checks name the field", async () => {
  const { a } = await threeMembers();
  await assert.rejects(a.encrypt("text" as unknown as Uint8Array), (e: unknown) => e instanceof TypeError && /plaintext/.test(e.message));
  await assert.rejects(a.commitAdd([]), /keyPackages/);
  await rejectsWith(a.commitAdd([utf8.encode("not a key package")]), "MLS_MALFORMED");
  await assert.rejects(a.commitRemove([a.ownLeafIndex]), /cannot remove itself/);
  await assert.rejects(a.commitRemove([42]), /no member at leaf 42/);
  const d = await makeDevice("dave/dev1");
  await assert.rejects(
    MlsGroup.create(new Uint8Array(), d.signer, allowList(d)),
    (e: unknown) => e instanceof RangeError && /groupId/.test(e.message),
  );
  const wrongKey = { ...d.signer, signaturePublicKey: (await makeDevice("x")).signer.signaturePublicKey };
  await assert.rejects(MlsGroup.create(groupId, wrongKey, allowList(d)), /does not belong/);
});
