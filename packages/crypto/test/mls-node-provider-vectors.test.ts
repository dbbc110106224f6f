// Proves the node:crypto MLS provider computes exactly what the standards (and ts-mls's default
// provider) compute: RFC 5869 HKDF vectors, Wycheproof Ed25519 verdicts, and the same SHA-256,
// HMAC, HKDF, AES-128-GCM and Ed25519 outputs as the default provider on random inputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { defaultCryptoProvider, getCiphersuiteFromName } from "ts-mls";
import { nodeCryptoProvider } from "../src/node.js";
import { CIPHERSUITE } from "../src/mls/suite.js";
import { hkdfExpand, hkdfExtract } from "../src/mls/hkdf.js";
import { CryptoError } from "ts-mls/mlsError.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const cs = getCiphersuiteFromName(CIPHERSUITE);
const rnd = (n: number) => new Uint8Array(randomBytes(n));

interface RfcVector { hash: string; IKM: string; salt: string | null; info: string; L: number; PRK: string; OKM: string }
const rfc = JSON.parse(readFileSync(new URL("./vectors/rfc5869.json", import.meta.url), "utf8")) as { vectors: RfcVector[] };
interface EdVector { tcId: number; msg: string; sig: string; result: string }
const wycheproofEd = JSON.parse(readFileSync(new URL("./vectors/wycheproof/ed25519_test.json", import.meta.url), "utf8")) as {
  testGroups: { publicKey: { pk: string }; tests: EdVector[] }[];
};

test("node provider: HKDF extract and expand match RFC 5869", async () => {
  const impl = await nodeCryptoProvider.getCiphersuiteImpl(cs);
  let checked = 0;
  for (const v of rfc.vectors.filter((v) => v.hash === "SHA-256")) {
    const prk = await impl.kdf.extract(v.salt === null ? new Uint8Array() : hex(v.salt), hex(v.IKM));
    assert.equal(toHex(prk), v.PRK);
    assert.equal(toHex(await impl.kdf.expand(prk, hex(v.info), v.L)), v.OKM);
    checked++;
  }
  assert.ok(checked >= 3);
});

interface HkdfVector { tcId: number; ikm: string; salt: string; info: string; size: number; okm: string; result: string }
const wycheproofHkdf = JSON.parse(readFileSync(new URL("./vectors/wycheproof/hkdf_sha256_test.json", import.meta.url), "utf8")) as {
  testGroups: { tests: HkdfVector[] }[];
};

test("the HKDF shared by the node provider and HPKE (hkdf.ts) passes every Wycheproof vector", () => {
  let checked = 0;
  for (const group of wycheproofHkdf.testGroups) {
    for (const t of group.tests) {
      const run = () => hkdfExpand(hkdfExtract(hex(t.salt), hex(t.ikm)), hex(t.info), t.size);
      if (t.result === "valid") assert.equal(toHex(run()), t.okm, `tcId ${t.tcId}`);
      else assert.throws(run, CryptoError, `tcId ${t.tcId} must be refused`);
      checked++;
    }
  }
  assert.equal(checked, 86);
});

test("node provider: Ed25519 verify agrees with every Wycheproof verdict", async () => {
  const impl = await nodeCryptoProvider.getCiphersuiteImpl(cs);
  let checked = 0;
  for (const group of wycheproofEd.testGroups) {
    for (const t of group.tests) {
      const ok = await impl.signature.verify(hex(group.publicKey.pk), hex(t.msg), hex(t.sig));
      assert.equal(ok, t.result === "valid", `tcId ${t.tcId}`);
      checked++;
    }
  }
  assert.ok(checked > 100);
});

test("node provider: same outputs as ts-mls's default provider", async () => {
  const ours = await nodeCryptoProvider.getCiphersuiteImpl(cs);
  const theirs = await defaultCryptoProvider.getCiphersuiteImpl(cs);
  for (let i = 0; i < 20; i++) {
    const data = rnd(i * 37);
    const key = rnd(32);
    assert.deepEqual(await ours.hash.digest(data), await theirs.hash.digest(data));
    const mac = await ours.hash.mac(key, data);
    assert.deepEqual(mac, await theirs.hash.mac(key, data));
    assert.equal(await ours.hash.verifyMac(key, mac, data), true);
    mac[0]! ^= 1;
    assert.equal(await ours.hash.verifyMac(key, mac, data), false);
    const prk = await ours.kdf.extract(key, data);
    assert.deepEqual(prk, await theirs.kdf.extract(key, data));
    assert.deepEqual(await ours.kdf.expand(prk, data, 1 + i * 5), await theirs.kdf.expand(prk, data, 1 + i * 5));

    const aesKey = rnd(16);
    const nonce = rnd(12);
    const aad = i % 2 === 0 ? rnd(i) : undefined;
    const sealed = await ours.hpke.encryptAead(aesKey, nonce, aad, data);
    assert.deepEqual(sealed, await theirs.hpke.encryptAead(aesKey, nonce, aad, data));
    assert.deepEqual(await theirs.hpke.decryptAead(aesKey, nonce, aad, sealed), data);
    sealed[sealed.length - 1]! ^= 1;
    await assert.rejects(ours.hpke.decryptAead(aesKey, nonce, aad, sealed));

    const { signKey, publicKey } = await ours.signature.keygen();
    const sig = await ours.signature.sign(signKey, data);
    assert.deepEqual(sig, await theirs.signature.sign(signKey, data), "Ed25519 is deterministic");
    assert.equal(await theirs.signature.verify(publicKey, data, sig), true);
    sig[0]! ^= 1;
    assert.equal(await ours.signature.verify(publicKey, data, sig), false);
  }
  assert.equal(ours.rng.randomBytes(33).length, 33);
});

test("node provider: a wrong-size key or a truncated ciphertext is refused", async () => {
  const ours = await nodeCryptoProvider.getCiphersuiteImpl(cs);
  await assert.rejects(ours.signature.sign(rnd(31), rnd(8)));
  assert.equal(await ours.signature.verify(rnd(31), rnd(8), rnd(64)), false);
  await assert.rejects(ours.hpke.decryptAead(rnd(16), rnd(12), undefined, rnd(15)));
  await assert.rejects(ours.hpke.encryptAead(rnd(17), rnd(12), undefined, rnd(15)));
});
