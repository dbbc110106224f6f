// Proves the MLS authentication service accepts exactly the leaves whose credential chains to the
// pinned account key of the username it names, and never throws for bad data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateAccountKey, issueDeviceCredential, makeCredentialValidator, randomBytes } from "../src/index.js";

const alice = generateAccountKey();
const mallory = generateAccountKey();
const pins = new Map([["alice", alice.publicKey], ["mallory", mallory.publicKey]]);
const lookups: string[] = [];
const validate = makeCredentialValidator(async (username) => {
  lookups.push(username);
  return pins.get(username);
});
const leaf = randomBytes(32);

test("a credential signed by the pinned key, for its own leaf, is accepted", async () => {
  const cred = issueDeviceCredential(alice, { username: "alice", deviceId: "d1", signatureKey: leaf });
  assert.equal(await validate(cred, leaf), true);
  assert.equal(lookups.at(-1), "alice");
});

test("the wrong leaf key is refused", async () => {
  const cred = issueDeviceCredential(alice, { username: "alice", deviceId: "d1", signatureKey: leaf });
  assert.equal(await validate(cred, randomBytes(32)), false);
});

test("a credential for alice signed by another account (even a pinned one) is refused", async () => {
  const forged = issueDeviceCredential(mallory, { username: "alice", deviceId: "d1", signatureKey: leaf });
  assert.equal(await validate(forged, leaf), false);
});

test("a user with no pinned key is refused", async () => {
  const eve = generateAccountKey();
  const cred = issueDeviceCredential(eve, { username: "eve", deviceId: "d1", signatureKey: leaf });
  assert.equal(await validate(cred, leaf), false);
});

test("malformed identities resolve to false without a lookup", async () => {
  const before = lookups.length;
  assert.equal(await validate(new Uint8Array(0), leaf), false);
  assert.equal(await validate(randomBytes(100), leaf), false);
  assert.equal(await validate("x" as unknown as Uint8Array, leaf), false);
  assert.equal(lookups.length, before);
});

test("a failing lookup is passed on, not taken for a forgery", async () => {
  const failing = makeCredentialValidator(async () => {
    throw new Error("offline");
  });
  const cred = issueDeviceCredential(alice, { username: "alice", deviceId: "d1", signatureKey: leaf });
  await assert.rejects(failing(cred, leaf), /offline/);
});

test("a lookup that returns a malformed key is a TypeError/RangeError (misuse)", async () => {
  const cred = issueDeviceCredential(alice, { username: "alice", deviceId: "d1", signatureKey: leaf });
  await assert.rejects(makeCredentialValidator(async () => new Uint8Array(31))(cred, leaf), RangeError);
  assert.throws(() => makeCredentialValidator("nope" as never), { name: "TypeError", message: /accountKeyOf/ });
});
