// Proves safety numbers are Signal's numeric fingerprint (checked against libsignal's published
// vector), symmetric, 60 digits in 12 groups, and change when either key or username changes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateAccountKey, safetyNumber } from "../src/index.js";
import { numericFingerprint } from "../src/safetyNumber.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const enc = (s: string) => new TextEncoder().encode(s);

test("the fingerprint is Signal's: libsignal NumericFingerprintGeneratorTest vector", () => {
  // libsignal serializes its identity keys with a 0x05 type byte; Parley uses the raw Ed25519 key.
  const aliceKey = hex("0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868");
  const bobKey = hex("05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b");
  const a = numericFingerprint(aliceKey, enc("+14152222222"), 5200);
  const b = numericFingerprint(bobKey, enc("+14153333333"), 5200);
  const joined = a <= b ? a + b : b + a;
  assert.equal(joined, "300354477692869396892869876765458257569162576843440918079131");
});

const alice = { username: "alice", accountKey: generateAccountKey().publicKey };
const bob = { username: "bob", accountKey: generateAccountKey().publicKey };

test("60 digits, 12 groups of 5, and a versioned QR payload", () => {
  const sn = safetyNumber(alice, bob);
  assert.match(sn.digits, /^\d{60}$/);
  assert.equal(sn.groups.length, 12);
  for (const g of sn.groups) assert.match(g, /^\d{5}$/);
  assert.equal(sn.groups.join(""), sn.digits);
  assert.equal(sn.qrPayload, `parley-sn:1:${sn.digits}`);
});

test("symmetric: both sides see the same number", () => {
  assert.deepEqual(safetyNumber(alice, bob), safetyNumber(bob, alice));
});

test("changes when either account key changes", () => {
  const base = safetyNumber(alice, bob).digits;
  const bob2 = { ...bob, accountKey: generateAccountKey().publicKey };
  const alice2 = { ...alice, accountKey: generateAccountKey().publicKey };
  assert.notEqual(safetyNumber(alice, bob2).digits, base);
  assert.notEqual(safetyNumber(alice2, bob).digits, base);
  // A one-bit change in a key changes the half of that key's owner.
  const flipped = bob.accountKey.slice();
  flipped[0] = (flipped[0] as number) ^ 1;
  const changed = safetyNumber(alice, { ...bob, accountKey: flipped }).digits;
  assert.notEqual(changed, base);
});

test("changes when a username changes", () => {
  assert.notEqual(safetyNumber(alice, { ...bob, username: "bob2" }).digits, safetyNumber(alice, bob).digits);
});

test("arguments are checked, naming the field", () => {
  assert.throws(() => safetyNumber(alice, { ...bob, accountKey: new Uint8Array(31) }), { name: "RangeError", message: /b.accountKey/ });
  assert.throws(() => safetyNumber({ ...alice, username: 5 as unknown as string }, bob), { name: "TypeError", message: /a.username/ });
  assert.throws(() => safetyNumber(null as never, bob), TypeError);
});
