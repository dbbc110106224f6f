// Proves the node:crypto HPKE (nodeHpke.ts) is RFC 9180's: the Appendix A.1.1 vectors
// (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode), and seal/open and the
// exporter interoperating with ts-mls's default HPKE (@hpke/core) in both directions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { defaultCryptoProvider, getCiphersuiteFromName } from "ts-mls";
import { nodeCryptoProvider } from "../src/node.js";
import { CIPHERSUITE } from "../src/mls/suite.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const rnd = (n: number) => new Uint8Array(randomBytes(n));
const cs = getCiphersuiteFromName(CIPHERSUITE);

/** RFC 9180 Appendix A.1.1, sequence number 0. */
const A11 = {
  info: "4f6465206f6e2061204772656369616e2055726e",
  ikmE: "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
  pkEm: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
  skEm: "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
  ikmR: "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
  pkRm: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
  skRm: "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
  pt: "4265617574792069732074727574682c20747275746820626561757479",
  aad: "436f756e742d30",
  ct: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
};

test("node HPKE: DeriveKeyPair matches RFC 9180 A.1.1", async () => {
  const { hpke } = await nodeCryptoProvider.getCiphersuiteImpl(cs);
  for (const [ikm, pk, sk] of [
    [A11.ikmE, A11.pkEm, A11.skEm],
    [A11.ikmR, A11.pkRm, A11.skRm],
  ] as const) {
    const pair = await hpke.deriveKeyPair(hex(ikm));
    assert.equal(toHex(await hpke.exportPublicKey(pair.publicKey)), pk);
    assert.equal(toHex(await hpke.exportPrivateKey(pair.privateKey)), sk);
  }
});

test("node HPKE: Open of the RFC 9180 A.1.1 ciphertext gives its plaintext, and tampering is refused", async () => {
  const { hpke } = await nodeCryptoProvider.getCiphersuiteImpl(cs);
  const skR = await hpke.importPrivateKey(hex(A11.skRm));
  const pt = await hpke.open(skR, hex(A11.pkEm), hex(A11.ct), hex(A11.info), hex(A11.aad));
  assert.equal(toHex(pt), A11.pt);
  const ct = hex(A11.ct);
  ct[0]! ^= 1;
  await assert.rejects(hpke.open(skR, hex(A11.pkEm), ct, hex(A11.info), hex(A11.aad)));
  await assert.rejects(hpke.open(skR, hex(A11.pkEm), hex(A11.ct), hex(A11.info.slice(2)), hex(A11.aad)));
  await assert.rejects(hpke.open(skR, hex(A11.pkEm).subarray(1), hex(A11.ct), hex(A11.info), hex(A11.aad)));
  // A low-order public key gives an all-zero DH output, which RFC 9180 §7.1.4 says to refuse.
  await assert.rejects(hpke.seal(await hpke.importPublicKey(new Uint8Array(32)), hex("00"), new Uint8Array(), undefined), /X25519/);
  await assert.rejects(hpke.open(skR, new Uint8Array(32), hex(A11.ct), hex(A11.info), hex(A11.aad)), /X25519/);
  await assert.rejects(hpke.importPublicKey(rnd(31)));
  await assert.rejects(hpke.importPrivateKey(rnd(33)));
});

test("node HPKE: seals that @hpke/core opens, opens what it seals, and exports the same secrets", async () => {
  const ours = (await nodeCryptoProvider.getCiphersuiteImpl(cs)).hpke;
  const theirs = (await defaultCryptoProvider.getCiphersuiteImpl(cs)).hpke;
  for (let i = 0; i < 10; i++) {
    const ikm = rnd(32);
    const mine = await ours.deriveKeyPair(ikm);
    const other = await theirs.deriveKeyPair(ikm);
    const pkRm = await ours.exportPublicKey(mine.publicKey);
    assert.deepEqual(pkRm, await theirs.exportPublicKey(other.publicKey));
    const info = rnd(i * 40);
    const aad = i % 3 === 0 ? undefined : rnd(i);
    const pt = rnd(32 + i);

    const sealed = await ours.seal(await ours.importPublicKey(pkRm), pt, info, aad);
    assert.equal(sealed.enc.length, 32);
    assert.deepEqual(await theirs.open(other.privateKey, sealed.enc, sealed.ct, info, aad), pt);
    assert.deepEqual(await ours.open(mine.privateKey, sealed.enc, sealed.ct, info, aad), pt);

    const back = await theirs.seal(await theirs.importPublicKey(pkRm), pt, info, aad);
    assert.deepEqual(await ours.open(mine.privateKey, back.enc, back.ct, info, aad), pt);

    const context = rnd(20);
    const exported = await ours.exportSecret(mine.publicKey, context, 32, new Uint8Array());
    assert.deepEqual(await theirs.importSecret(other.privateKey, context, exported.enc, 32, new Uint8Array()), exported.secret);
    assert.deepEqual(await ours.importSecret(mine.privateKey, context, exported.enc, 32, new Uint8Array()), exported.secret);
  }
});

test("node HPKE: fresh key pairs are distinct and survive export and import", async () => {
  const { hpke } = await nodeCryptoProvider.getCiphersuiteImpl(cs);
  const a = await hpke.generateKeyPair();
  const b = await hpke.generateKeyPair();
  const skA = await hpke.exportPrivateKey(a.privateKey);
  assert.notDeepEqual(skA, await hpke.exportPrivateKey(b.privateKey));
  const again = await hpke.importPrivateKey(skA);
  const sealed = await hpke.seal(a.publicKey, hex("00"), new Uint8Array(), undefined);
  assert.deepEqual(await hpke.open(again, sealed.enc, sealed.ct, new Uint8Array(), undefined), hex("00"));
  // The two seals to one key use fresh ephemeral keys.
  const second = await hpke.seal(a.publicKey, hex("00"), new Uint8Array(), undefined);
  assert.notDeepEqual(second.enc, sealed.enc);
});
