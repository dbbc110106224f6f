import assert from "node:assert/strict";
import { test } from "node:test";
import {
  decodeMlsMessage,
  defaultCapabilities,
  defaultLifetime,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroupExternal,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { MlsGroup } from "../src/mls/index.js";
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
} from "./mls-fixtures.js";

async function twoMembers() {
  const [alice, bob, dave] = await Promise.all([makeDevice("alice/dev1"), makeDevice("bob/dev1"), makeDevice("alice/dev2")]);
  const validate = allowList(alice, bob, dave);
  const a = await MlsGroup.create(utf8.encode("external"), alice.signer, validate);
  const pending = await a.commitAdd([await uploadKeyPackage(bob)]);
  await a.merge(pending);
  const b = (await MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, validate)).group;
  return { alice, bob, dave, validate, a, b, groupInfo: pending.groupInfo };
}

test("a device joins by external commit from the GroupInfo and exchanges messages", async () => {
  const { dave, validate, a, b, groupInfo } = await twoMembers();
  const joined = await MlsGroup.joinExternal(groupInfo, dave.signer, validate);
  assert.equal(joined.epoch, 2);
  assert.equal(joined.group.epoch, 2);
  for (const member of [a, b]) {
    const seen = await member.process(joined.commit);
    assert.equal(seen.kind, "commit");
    if (seen.kind !== "commit") continue;
    assert.equal(seen.external, true);
    assert.equal(seen.epoch, 2);
    assert.equal(seen.sender && nameOf(seen.sender.credentialIdentity), "alice/dev2");
    assert.deepEqual(seen.added.map((m) => nameOf(m.credentialIdentity)), ["alice/dev2"]);
    assert.deepEqual(seen.removed, []);
  }
  const d = joined.group;
  sameEpoch([a, b, d]);
  assert.deepEqual(memberNames(d), ["alice/dev1", "bob/dev1", "alice/dev2"]);
  await sendAndCheck(d, "alice/dev2", [a, b], "hi from my new device");
  await sendAndCheck(b, "bob/dev1", [a, d], "hi new device");
  // The joiner is a full member: it commits, and its GroupInfo lets the next device in.
  await commitAndDeliver(d, (g) => g.commitUpdate(), [a, b]);
  const eve = await makeDevice("bob/dev2");
  validate.allow(eve);
  const next = await MlsGroup.joinExternal(joined.groupInfo, eve.signer, validate);
  await rejectsWith(a.process(next.commit), "MLS_WRONG_EPOCH");
  const fresh = await MlsGroup.joinExternal(await d.groupInfo(), eve.signer, validate);
  for (const g of [a, b, d]) await g.process(fresh.commit);
  sameEpoch([a, b, d, fresh.group]);
  await sendAndCheck(fresh.group, "bob/dev2", [a, b, d], "me too");
});

test("members whose validator rejects the joiner refuse its external commit", async () => {
  const { dave, validate, a, b, groupInfo } = await twoMembers();
  const joined = await MlsGroup.joinExternal(groupInfo, dave.signer, validate);
  validate.deny(dave);
  await rejectsWith(a.process(joined.commit), "MLS_CREDENTIAL_REJECTED");
  assert.equal(a.epoch, 1, "a refused commit leaves the group as it was");
  assert.deepEqual(memberNames(a), ["alice/dev1", "bob/dev1"]);
  await sendAndCheck(a, "alice/dev1", [b], "still just us");
});

test("a joiner whose validator rejects a member does not join", async () => {
  const { dave, alice, bob, groupInfo } = await twoMembers();
  const davesView = allowList(alice, dave); // dave does not accept bob's credential
  await rejectsWith(MlsGroup.joinExternal(groupInfo, dave.signer, davesView), "MLS_CREDENTIAL_REJECTED");
  davesView.allow(bob);
  const joined = await MlsGroup.joinExternal(groupInfo, dave.signer, davesView);
  assert.equal(joined.epoch, 2);
});

test("joinExternal refuses garbage, a message that is not a GroupInfo, and a tampered GroupInfo", async () => {
  const { dave, validate, a } = await twoMembers();
  await rejectsWith(MlsGroup.joinExternal(utf8.encode("garbage"), dave.signer, validate), "MLS_MALFORMED");
  await rejectsWith(MlsGroup.joinExternal(await a.encrypt(utf8.encode("x")), dave.signer, validate), "MLS_MALFORMED");
  const tampered = (await a.groupInfo()).slice();
  tampered[tampered.length - 3]! ^= 1; // inside the GroupInfo signature
  await rejectsWith(MlsGroup.joinExternal(tampered, dave.signer, validate), "MLS_REJECTED");
});

test("a device that lost its state rejoins by external commit, replacing its old leaf", async () => {
  const { bob, validate, a, b } = await twoMembers();
  await sendAndCheck(a, "alice/dev1", [b], "before bob's disk died");
  const rejoined = await MlsGroup.joinExternal(await a.groupInfo(), bob.signer, validate);
  const seen = await a.process(rejoined.commit);
  assert.equal(seen.kind, "commit");
  if (seen.kind === "commit") {
    assert.equal(seen.external, true);
    assert.deepEqual(seen.removed.map((m) => nameOf(m.credentialIdentity)), ["bob/dev1"]);
    assert.deepEqual(seen.added.map((m) => nameOf(m.credentialIdentity)), ["bob/dev1"]);
  }
  assert.deepEqual(memberNames(a), ["alice/dev1", "bob/dev1"]);
  await sendAndCheck(rejoined.group, "bob/dev1", [a], "back again");
  // The stale copy cannot follow its own replacement; it is told so rather than crashing in ts-mls.
  await assert.rejects(b.process(rejoined.commit), /replaced this device/);
});

test("members refuse an external commit that removes someone other than the joiner", async () => {
  const { bob, validate, a } = await twoMembers();
  const mallory = await makeDevice("mallory/dev1");
  validate.allow(mallory);
  // Built with raw ts-mls: its "resync" picks the leaf to remove with a comparison we rig to match bob.
  const cs = await getCiphersuiteImpl(getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"));
  const kp = await generateKeyPackageWithKey(
    { credentialType: "basic", identity: mallory.signer.credentialIdentity },
    defaultCapabilities(),
    defaultLifetime,
    [],
    { signKey: mallory.signer.signaturePrivateKey, publicKey: mallory.signer.signaturePublicKey },
    cs,
  );
  const gi = decodeMlsMessage(await a.groupInfo(), 0)![0];
  assert.equal(gi.wireformat, "mls_group_info");
  if (gi.wireformat !== "mls_group_info") return;
  const rigged = {
    ...defaultClientConfig,
    keyPackageEqualityConfig: {
      compareKeyPackages: () => false,
      compareKeyPackageToLeafNode: (_: unknown, leaf: { signaturePublicKey: Uint8Array }) =>
        Buffer.from(leaf.signaturePublicKey).equals(Buffer.from(bob.signer.signaturePublicKey)),
    },
  };
  const { publicMessage } = await joinGroupExternal(gi.groupInfo, kp.publicPackage, kp.privatePackage, true, cs, undefined, rigged);
  const commit = encodeMlsMessage({ version: "mls10", wireformat: "mls_public_message", publicMessage });
  await rejectsWith(a.process(commit), "MLS_REJECTED");
  assert.deepEqual(memberNames(a), ["alice/dev1", "bob/dev1"]);
});
