/**
 * Every credential that enters a group goes through the caller's validator, never ts-mls's
 * default (which accepts anything): key packages being added, the ratchet tree in a Welcome,
 * the leaves in commits (adds and update paths) and external joins (mls-external-join.test.ts).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MlsGroup } from "../src/mls/index.js";
import {
  allowList,
  commitAndDeliver,
  finder,
  makeDevice,
  memberNames,
  rejectsWith,
  sendAndCheck,
  uploadKeyPackage,
  utf8,
} from "./mls-fixtures.js";

async function cast() {
  const [alice, bob, carol, mallory] = await Promise.all(
    ["alice/dev1", "bob/dev1", "carol/dev1", "mallory/dev1"].map((n) => makeDevice(n)),
  );
  return { alice: alice!, bob: bob!, carol: carol!, mallory: mallory! };
}

test("commitAdd refuses a key package whose credential the validator rejects, and changes nothing", async () => {
  const { alice, bob, mallory } = await cast();
  const validate = allowList(alice, bob);
  const a = await MlsGroup.create(utf8.encode("g"), alice.signer, validate);
  const callsBefore = validate.calls;
  await rejectsWith(a.commitAdd([await uploadKeyPackage(bob), await uploadKeyPackage(mallory)]), "MLS_CREDENTIAL_REJECTED");
  assert.ok(validate.calls > callsBefore, "the validator was asked");
  assert.equal(a.epoch, 0);
  assert.deepEqual(memberNames(a), ["alice/dev1"]);
  // A key package claiming an allowed identity with another signature key is refused too.
  const impostor = await makeDevice("bob/dev1");
  await rejectsWith(a.commitAdd([await uploadKeyPackage(impostor)]), "MLS_CREDENTIAL_REJECTED");
  const pending = await a.commitAdd([await uploadKeyPackage(bob)]);
  assert.equal(pending.epoch, 1);
});

test("a Welcome whose tree holds a credential the joiner rejects is refused", async () => {
  const { alice, bob, mallory } = await cast();
  const lax = allowList(alice, bob, mallory);
  const a = await MlsGroup.create(utf8.encode("g"), alice.signer, lax);
  const pending = await a.commitAdd([await uploadKeyPackage(bob), await uploadKeyPackage(mallory)]);
  const bobsView = allowList(alice, bob);
  await rejectsWith(MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, bobsView), "MLS_CREDENTIAL_REJECTED");
  // The committer's own credential is checked too: here bob does not accept alice.
  await rejectsWith(
    MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, allowList(bob, mallory)),
    "MLS_CREDENTIAL_REJECTED",
  );
  const joined = await MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, lax);
  assert.equal(joined.group.epoch, 1);
});

test("a commit adding a device the receiver rejects is refused, and the receiver's state is unchanged", async () => {
  const { alice, bob, mallory } = await cast();
  const lax = allowList(alice, bob, mallory);
  const a = await MlsGroup.create(utf8.encode("g"), alice.signer, lax);
  const first = await a.commitAdd([await uploadKeyPackage(bob)]);
  await a.merge(first);
  const bobsView = allowList(alice, bob);
  const b = (await MlsGroup.joinFromWelcome(first.welcome!, finder(bob), bob.signer, bobsView)).group;
  const adding = await a.commitAdd([await uploadKeyPackage(mallory)]);
  await a.merge(adding);
  await rejectsWith(b.process(adding.commit), "MLS_CREDENTIAL_REJECTED");
  assert.equal(b.epoch, 1);
  assert.deepEqual(memberNames(b), ["alice/dev1", "bob/dev1"]);
});

test("a commit whose update path carries a credential the receiver now rejects is refused", async () => {
  const { alice, bob, carol } = await cast();
  const validate = allowList(alice, bob, carol);
  const a = await MlsGroup.create(utf8.encode("g"), alice.signer, validate);
  const pending = await a.commitAdd([await uploadKeyPackage(bob), await uploadKeyPackage(carol)]);
  await a.merge(pending);
  const bobsView = allowList(alice, bob, carol);
  const b = (await MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, bobsView)).group;
  const c = (await MlsGroup.joinFromWelcome(pending.welcome!, finder(carol), carol.signer, validate)).group;
  await sendAndCheck(c, "carol/dev1", [a, b], "hello");
  bobsView.deny(carol); // say carol's account key changed and bob has not accepted the new one
  const update = await c.commitUpdate();
  await c.merge(update);
  await rejectsWith(b.process(update.commit), "MLS_CREDENTIAL_REJECTED");
  assert.equal(b.epoch, 1);
  assert.equal((await a.process(update.commit)).kind, "commit");
});

test("a validator that throws stops the operation with MLS_VALIDATOR_FAILED, not a rejection", async () => {
  const { alice, bob } = await cast();
  const validate = allowList(alice, bob);
  const a = await MlsGroup.create(utf8.encode("g"), alice.signer, validate);
  const pending = await a.commitAdd([await uploadKeyPackage(bob)]);
  await a.merge(pending);
  let offline = true;
  const flaky = async (identity: Uint8Array, key: Uint8Array) => {
    if (offline) throw new Error("lost connection");
    return validate(identity, key);
  };
  await rejectsWith(MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, flaky), "MLS_VALIDATOR_FAILED");
  offline = false;
  const b = (await MlsGroup.joinFromWelcome(pending.welcome!, finder(bob), bob.signer, flaky)).group;
  offline = true;
  const update = await commitAndDeliver(a, (g) => g.commitUpdate(), []);
  await rejectsWith(b.process(update.commit), "MLS_VALIDATOR_FAILED");
  offline = false;
  assert.equal((await b.process(update.commit)).kind, "commit", "the same commit goes through once the validator answers");
  await rejectsWith(MlsGroup.create(utf8.encode("g2"), alice.signer, async () => false), "MLS_CREDENTIAL_REJECTED");
});
