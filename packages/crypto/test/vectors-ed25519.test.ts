// Proves that our Ed25519 verification (strict RFC 8032, as every signature check in this package
// uses) accepts exactly the signatures Wycheproof says are valid.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ed25519 } from "@noble/curves/ed25519.js";
import { isStrongPublicKey, verifyEd25519 } from "../src/sign.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));

interface EdVector { tcId: number; msg: string; sig: string; result: string; comment: string }
const file = JSON.parse(readFileSync(new URL("./vectors/wycheproof/ed25519_test.json", import.meta.url), "utf8")) as {
  testGroups: { publicKey: { pk: string }; tests: EdVector[] }[];
};

test("verifyEd25519 agrees with every Wycheproof Ed25519 vector", () => {
  let checked = 0;
  for (const group of file.testGroups) {
    const pk = hex(group.publicKey.pk);
    for (const t of group.tests) {
      const ok = verifyEd25519(pk, hex(t.msg), hex(t.sig));
      assert.equal(ok, t.result === "valid", `tcId ${t.tcId} (${t.comment})`);
      checked++;
    }
  }
  assert.equal(checked, 151);
});

test("small-order public keys are refused", () => {
  // The identity point, and a point of order 8: both canonical encodings.
  const identity = hex("0100000000000000000000000000000000000000000000000000000000000000");
  const order8 = hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
  for (const pk of [identity, order8]) {
    assert.equal(isStrongPublicKey(pk), false);
    // With the identity as public key, R = identity and S = 0 "verifies" any message under a lax check.
    const sig = new Uint8Array(64);
    sig.set(identity, 0);
    assert.equal(verifyEd25519(pk, Uint8Array.of(1, 2, 3), sig), false);
  }
  assert.equal(isStrongPublicKey(ed25519.getPublicKey(new Uint8Array(32).fill(1))), true);
});

test("signatures by noble verify, and a signature for one message fails for another", () => {
  const sk = new Uint8Array(32).fill(9);
  const pk = ed25519.getPublicKey(sk);
  const sig = ed25519.sign(Uint8Array.of(1), sk);
  assert.equal(verifyEd25519(pk, Uint8Array.of(1), sig), true);
  assert.equal(verifyEd25519(pk, Uint8Array.of(2), sig), false);
  assert.equal(verifyEd25519(pk.subarray(0, 31), Uint8Array.of(1), sig), false);
  assert.equal(verifyEd25519(pk, Uint8Array.of(1), sig.subarray(0, 63)), false);
});
