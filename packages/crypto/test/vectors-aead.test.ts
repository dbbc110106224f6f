// Proves that the AEAD we call is right: @noble/ciphers' ChaCha20-Poly1305 against every
// Wycheproof vector, and XChaCha20-Poly1305 (HChaCha20 + that AEAD), through our own aeadOpen,
// against draft-irtf-cfrg-xchacha-03's published vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { chacha20poly1305, hchacha, xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { aeadOpen, aeadSeal } from "../src/aead.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface AeadVector { tcId: number; key: string; iv: string; aad: string; msg: string; ct: string; tag: string; result: string }
const wycheproof = JSON.parse(readFileSync(new URL("./vectors/wycheproof/chacha20_poly1305_test.json", import.meta.url), "utf8")) as {
  testGroups: { ivSize: number; keySize: number; tagSize: number; tests: AeadVector[] }[];
};

test("ChaCha20-Poly1305 passes every Wycheproof vector", () => {
  let checked = 0;
  for (const group of wycheproof.testGroups) {
    for (const t of group.tests) {
      const key = hex(t.key), iv = hex(t.iv), aad = hex(t.aad), sealed = hex(t.ct + t.tag);
      let opened: Uint8Array | undefined;
      try {
        opened = chacha20poly1305(key, iv, aad).decrypt(sealed);
      } catch {
        opened = undefined;
      }
      if (t.result === "valid") {
        assert.equal(opened && toHex(opened), t.msg, `tcId ${t.tcId} decrypt`);
        assert.equal(toHex(chacha20poly1305(key, iv, aad).encrypt(hex(t.msg))), t.ct + t.tag, `tcId ${t.tcId} encrypt`);
      } else {
        assert.equal(opened, undefined, `tcId ${t.tcId} must be rejected`);
      }
      checked++;
    }
  }
  assert.equal(checked, 325);
});

test("HChaCha20 matches draft-irtf-cfrg-xchacha-03 §2.2.1", () => {
  const key = hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const nonce = hex("000000090000004a0000000031415927");
  const sigma = new Uint32Array([0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]);
  const out = new Uint32Array(8);
  hchacha(sigma, new Uint32Array(key.buffer), new Uint32Array(nonce.buffer), out);
  assert.equal(toHex(new Uint8Array(out.buffer)), "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc");
});

test("XChaCha20-Poly1305 matches draft-irtf-cfrg-xchacha-03 §A.3.1, through aeadOpen", () => {
  const key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  const nonce = hex("404142434445464748494a4b4c4d4e4f5051525354555657");
  const aad = hex("50515253c0c1c2c3c4c5c6c7");
  const plaintext = new TextEncoder().encode(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const sealed = xchacha20poly1305(key, nonce, aad).encrypt(plaintext);
  assert.equal(toHex(sealed.subarray(0, 32)), "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb");
  assert.equal(toHex(sealed.subarray(-16)), "c0875924c1c7987947deafd8780acf49");
  assert.deepEqual(aeadOpen(key, nonce, sealed, aad), plaintext);
  const tampered = sealed.slice();
  tampered[0] = (tampered[0] as number) ^ 1;
  assert.equal(aeadOpen(key, nonce, tampered, aad), undefined);
  assert.equal(aeadOpen(key, nonce, sealed, new Uint8Array(0)), undefined);
});

test("aeadSeal draws a fresh nonce each time and aeadOpen reverses it", () => {
  const key = new Uint8Array(32).fill(7);
  const ad = Uint8Array.of(1, 2, 3);
  const a = aeadSeal(key, Uint8Array.of(42), ad);
  const b = aeadSeal(key, Uint8Array.of(42), ad);
  assert.notDeepEqual(a.nonce, b.nonce);
  assert.deepEqual(aeadOpen(key, a.nonce, a.ciphertext, ad), Uint8Array.of(42));
  assert.equal(aeadOpen(key, a.nonce, a.ciphertext.subarray(0, 15), ad), undefined);
});
