// Proves device credentials round-trip, have the documented encoding, and that verification
// refuses every kind of tampering: each field, the leaf key, the account key, trailing bytes and
// oversize fields. Property tests (fast-check) cover arbitrary field values and arbitrary bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CryptoError,
  decodeDeviceCredential,
  generateAccountKey,
  issueDeviceCredential,
  randomBytes,
  verifyDeviceCredential,
  MAX_SIGNATURE_KEY_BYTES,
} from "../src/index.js";
import { Writer } from "../src/codec.js";

const isMalformed = (e: unknown) => e instanceof CryptoError && e.code === "PARLEY_CRYPTO_CREDENTIAL_MALFORMED";

const account = generateAccountKey();
const leafKey = randomBytes(32);
const fields = { username: "alice", deviceId: "AAECAwQFBgcICQoLDA0ODw", signatureKey: leafKey };
const bytes = issueDeviceCredential(account, fields);

test("issue then decode gives back every field", () => {
  const c = decodeDeviceCredential(bytes);
  assert.equal(c.version, 1);
  assert.equal(c.username, "alice");
  assert.equal(c.deviceId, fields.deviceId);
  assert.deepEqual(c.signatureKey, leafKey);
  assert.deepEqual(c.accountKey, account.publicKey);
  assert.equal(c.signature.length, 64);
});

test("the encoding is the documented one", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const c = decodeDeviceCredential(bytes);
  const expected = new Writer()
    .u8(1)
    .opaque16(enc("alice"))
    .opaque16(enc(fields.deviceId))
    .opaque16(leafKey)
    .opaque16(account.publicKey)
    .opaque16(c.signature)
    .finish();
  assert.deepEqual(bytes, expected);
});

test("verify accepts the right leaf and account key", () => {
  const r = verifyDeviceCredential(bytes, leafKey, account.publicKey);
  assert.equal(r.ok, true);
  assert.equal(r.ok && r.credential.username, "alice");
});

test("every single-bit change anywhere is refused", () => {
  for (let i = 0; i < bytes.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const t = bytes.slice();
      t[i] = (t[i] as number) ^ bit;
      const r = verifyDeviceCredential(t, leafKey, account.publicKey);
      assert.equal(r.ok, false, `byte ${i} bit ${bit}`);
    }
  }
});

test("each field changed and re-encoded (keeping the old signature) gives the right reason", () => {
  const c = decodeDeviceCredential(bytes);
  const enc = (s: string) => new TextEncoder().encode(s);
  const build = (o: Partial<typeof c>) => {
    const x = { ...c, ...o };
    return new Writer().u8(1).opaque16(enc(x.username)).opaque16(enc(x.deviceId)).opaque16(x.signatureKey)
      .opaque16(x.accountKey).opaque16(x.signature).finish();
  };
  const otherLeaf = randomBytes(32);
  assert.deepEqual(verifyDeviceCredential(build({ username: "alicf" }), leafKey, account.publicKey), { ok: false, reason: "bad-signature" });
  assert.deepEqual(verifyDeviceCredential(build({ deviceId: "other" }), leafKey, account.publicKey), { ok: false, reason: "bad-signature" });
  assert.deepEqual(verifyDeviceCredential(build({ signatureKey: otherLeaf }), otherLeaf, account.publicKey), { ok: false, reason: "bad-signature" });
  const mallory = generateAccountKey();
  assert.deepEqual(verifyDeviceCredential(build({ accountKey: mallory.publicKey }), leafKey, mallory.publicKey), { ok: false, reason: "bad-signature" });
  const sig = c.signature.slice();
  sig[10] = (sig[10] as number) ^ 4;
  assert.deepEqual(verifyDeviceCredential(build({ signature: sig }), leafKey, account.publicKey), { ok: false, reason: "bad-signature" });
});

test("a credential for another leaf key is refused as wrong-leaf-key", () => {
  assert.deepEqual(verifyDeviceCredential(bytes, randomBytes(32), account.publicKey), { ok: false, reason: "wrong-leaf-key" });
});

test("a credential checked against another account key is refused as wrong-account-key", () => {
  assert.deepEqual(verifyDeviceCredential(bytes, leafKey, generateAccountKey().publicKey), { ok: false, reason: "wrong-account-key" });
});

test("a credential signed by another account, claiming this one's key, is refused", () => {
  const mallory = generateAccountKey();
  const forged = issueDeviceCredential(mallory, fields);
  const c = decodeDeviceCredential(forged);
  const enc = (s: string) => new TextEncoder().encode(s);
  const claim = new Writer().u8(1).opaque16(enc(c.username)).opaque16(enc(c.deviceId)).opaque16(c.signatureKey)
    .opaque16(account.publicKey).opaque16(c.signature).finish();
  assert.deepEqual(verifyDeviceCredential(claim, leafKey, account.publicKey), { ok: false, reason: "bad-signature" });
});

test("trailing bytes are refused", () => {
  assert.throws(() => decodeDeviceCredential(Uint8Array.of(...bytes, 0)), isMalformed);
  assert.deepEqual(verifyDeviceCredential(Uint8Array.of(...bytes, 0), leafKey, account.publicKey), { ok: false, reason: "malformed" });
});

test("every truncation is refused", () => {
  for (let n = 0; n < bytes.length; n++) {
    assert.throws(() => decodeDeviceCredential(bytes.subarray(0, n)), isMalformed, `length ${n}`);
  }
});

test("oversize, empty and wrong-size fields are refused", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const c = decodeDeviceCredential(bytes);
  const build = (username: Uint8Array, deviceId: Uint8Array, sk: Uint8Array, ak: Uint8Array, sig: Uint8Array, version = 1) =>
    new Writer().u8(version).opaque16(username).opaque16(deviceId).opaque16(sk).opaque16(ak).opaque16(sig).finish();
  const u = enc("alice"), d = enc("dev");
  const cases: [string, Uint8Array][] = [
    ["username 256 bytes", build(new Uint8Array(256).fill(97), d, leafKey, c.accountKey, c.signature)],
    ["empty username", build(new Uint8Array(0), d, leafKey, c.accountKey, c.signature)],
    ["deviceId 256 bytes", build(u, new Uint8Array(256).fill(97), leafKey, c.accountKey, c.signature)],
    ["empty deviceId", build(u, new Uint8Array(0), leafKey, c.accountKey, c.signature)],
    ["signature key too long", build(u, d, new Uint8Array(MAX_SIGNATURE_KEY_BYTES + 1), c.accountKey, c.signature)],
    ["empty signature key", build(u, d, new Uint8Array(0), c.accountKey, c.signature)],
    ["account key 33 bytes", build(u, d, leafKey, new Uint8Array(33), c.signature)],
    ["signature 63 bytes", build(u, d, leafKey, c.accountKey, c.signature.subarray(0, 63))],
    ["version 2", build(u, d, leafKey, c.accountKey, c.signature, 2)],
    ["version 0", build(u, d, leafKey, c.accountKey, c.signature, 0)],
    ["invalid UTF-8 username", build(Uint8Array.of(0xc3, 0x28), d, leafKey, c.accountKey, c.signature)],
    ["UTF-8 surrogate in deviceId", build(u, Uint8Array.of(0xed, 0xa0, 0x80), leafKey, c.accountKey, c.signature)],
    ["length prefix past the end", Uint8Array.of(1, 0xff, 0xff, 97)],
  ];
  for (const [name, b] of cases) assert.throws(() => decodeDeviceCredential(b), isMalformed, name);
});

test("issue checks its arguments, naming the field", () => {
  assert.throws(() => issueDeviceCredential(account, { ...fields, username: "" }), { name: "RangeError", message: /fields.username/ });
  assert.throws(() => issueDeviceCredential(account, { ...fields, deviceId: "x".repeat(256) }), { name: "RangeError", message: /fields.deviceId/ });
  assert.throws(() => issueDeviceCredential(account, { ...fields, signatureKey: new Uint8Array(257) }), { name: "RangeError", message: /fields.signatureKey/ });
  assert.throws(() => issueDeviceCredential(account, { ...fields, signatureKey: "k" as unknown as Uint8Array }), { name: "TypeError", message: /fields.signatureKey/ });
  assert.throws(() => issueDeviceCredential(account, { ...fields, username: "\ud800" }), { name: "RangeError", message: /fields.username/ });
  assert.throws(() => verifyDeviceCredential(bytes, leafKey, new Uint8Array(31)), { name: "RangeError", message: /expectedAccountKey/ });
  assert.throws(() => verifyDeviceCredential("x" as unknown as Uint8Array, leafKey, account.publicKey), { name: "TypeError", message: /bytes/ });
  assert.throws(() => decodeDeviceCredential(undefined as unknown as Uint8Array), TypeError);
});

const fieldArb = fc.record({
  username: fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }).filter((s) => new TextEncoder().encode(s).length <= 255),
  deviceId: fc.string({ minLength: 1, maxLength: 40, unit: "binary" }).filter((s) => !/\p{Cs}/u.test(s) && new TextEncoder().encode(s).length <= 255),
  signatureKey: fc.uint8Array({ minLength: 1, maxLength: MAX_SIGNATURE_KEY_BYTES }),
});

test("property: any valid fields round-trip and verify", () => {
  fc.assert(
    fc.property(fieldArb, (f) => {
      const b = issueDeviceCredential(account, f);
      const c = decodeDeviceCredential(b);
      assert.equal(c.username, f.username);
      assert.equal(c.deviceId, f.deviceId);
      assert.deepEqual(c.signatureKey, f.signatureKey);
      assert.equal(verifyDeviceCredential(b, f.signatureKey, account.publicKey).ok, true);
    }),
    { numRuns: 200 },
  );
});

test("property: arbitrary bytes never crash the decoder, and never verify", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
      try {
        decodeDeviceCredential(b);
      } catch (e) {
        assert.ok(isMalformed(e));
      }
      assert.equal(verifyDeviceCredential(b, leafKey, account.publicKey).ok, false);
    }),
    { numRuns: 500 },
  );
});

test("property: a random edit of a valid credential never verifies", () => {
  fc.assert(
    fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const t = bytes.slice();
      t[i] = (t[i] as number) ^ x;
      assert.equal(verifyDeviceCredential(t, leafKey, account.publicKey).ok, false);
    }),
    { numRuns: 300 },
  );
});
