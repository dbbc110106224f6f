// Proves local store encryption round-trips, binds its associated data, and refuses tampering;
// and that its key is independent of the backup key and of other users' keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CryptoError, LOCAL_SEALED_OVERHEAD, deriveLocalStoreKey, openLocal, randomBytes, sealLocal } from "../src/index.js";
import { deriveFromExportKey } from "../src/kdf.js";
import { Label } from "../src/labels.js";

const isInvalid = (e: unknown) => e instanceof CryptoError && e.code === "PARLEY_CRYPTO_LOCAL_SEALED_INVALID";
const enc = (s: string) => new TextEncoder().encode(s);
const exportKey = randomBytes(64);
const key = deriveLocalStoreKey(exportKey, "alice");

test("the key is 32 bytes, deterministic, and separate from the backup key and other users' keys", () => {
  assert.equal(key.length, 32);
  assert.deepEqual(deriveLocalStoreKey(exportKey, "alice"), key);
  assert.notDeepEqual(deriveLocalStoreKey(exportKey, "bob"), key);
  assert.notDeepEqual(deriveFromExportKey(exportKey, Label.AccountKeyBackup, "alice"), key);
  assert.deepEqual(deriveFromExportKey(exportKey, Label.LocalStoreKey, "alice"), key);
});

test("round trip, with and without associated data", () => {
  const plaintext = enc("hello, local store");
  assert.deepEqual(openLocal(key, sealLocal(key, plaintext)), plaintext);
  const ad = enc("messages/42");
  const sealed = sealLocal(key, plaintext, ad);
  assert.equal(sealed.length, plaintext.length + LOCAL_SEALED_OVERHEAD);
  assert.equal(sealed[0], 1);
  assert.deepEqual(openLocal(key, sealed, ad), plaintext);
  assert.deepEqual(openLocal(key, sealLocal(key, new Uint8Array(0))), new Uint8Array(0));
});

test("each seal uses a fresh nonce", () => {
  assert.notDeepEqual(sealLocal(key, enc("x")), sealLocal(key, enc("x")));
});

test("wrong key, wrong associated data, tampering and truncation all fail", () => {
  const ad = enc("messages/42");
  const sealed = sealLocal(key, enc("secret"), ad);
  assert.throws(() => openLocal(randomBytes(32), sealed, ad), isInvalid);
  assert.throws(() => openLocal(key, sealed, enc("messages/43")), isInvalid);
  assert.throws(() => openLocal(key, sealed), isInvalid);
  for (let i = 0; i < sealed.length; i++) {
    const t = sealed.slice();
    t[i] = (t[i] as number) ^ 1;
    assert.throws(() => openLocal(key, t, ad), isInvalid, `byte ${i}`);
  }
  assert.throws(() => openLocal(key, sealed.subarray(0, LOCAL_SEALED_OVERHEAD - 1), ad), isInvalid);
});

test("arguments are checked, naming the field", () => {
  assert.throws(() => sealLocal(new Uint8Array(16), enc("x")), { name: "RangeError", message: /key/ });
  assert.throws(() => sealLocal(key, "x" as unknown as Uint8Array), { name: "TypeError", message: /plaintext/ });
  assert.throws(() => sealLocal(key, enc("x"), "ad" as unknown as Uint8Array), { name: "TypeError", message: /associatedData/ });
  assert.throws(() => openLocal(key, null as unknown as Uint8Array), { name: "TypeError", message: /sealed/ });
  assert.throws(() => deriveLocalStoreKey(new Uint8Array(8), "alice"), { name: "RangeError", message: /exportKey/ });
  assert.throws(() => deriveLocalStoreKey(exportKey, ""), { name: "RangeError", message: /username/ });
});
