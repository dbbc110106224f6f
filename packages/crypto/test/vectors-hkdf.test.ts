// Proves that the HKDF we call (@noble/hashes HKDF-SHA256, as kdf.ts calls it) matches RFC 5869
// and Wycheproof, and that our derivation is exactly HKDF with our info encoding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { deriveFromExportKey, kdfInfo } from "../src/kdf.js";
import { Label } from "../src/labels.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface HkdfVector { tcId: number; ikm: string; salt: string; info: string; size: number; okm: string; result: string }
const wycheproof = JSON.parse(readFileSync(new URL("./vectors/wycheproof/hkdf_sha256_test.json", import.meta.url), "utf8")) as {
  testGroups: { tests: HkdfVector[] }[];
};
interface RfcVector { name: string; hash: string; IKM: string; salt: string | null; info: string; L: number; OKM: string }
const rfc = JSON.parse(readFileSync(new URL("./vectors/rfc5869.json", import.meta.url), "utf8")) as { vectors: RfcVector[] };

test("HKDF-SHA256 passes every Wycheproof vector", () => {
  let checked = 0;
  for (const group of wycheproof.testGroups) {
    for (const t of group.tests) {
      const run = () => hkdf(sha256, hex(t.ikm), hex(t.salt), hex(t.info), t.size);
      if (t.result === "valid") assert.equal(toHex(run()), t.okm, `tcId ${t.tcId}`);
      else assert.throws(run, `tcId ${t.tcId} must be refused`);
      checked++;
    }
  }
  assert.equal(checked, 86);
});

test("HKDF-SHA256 passes RFC 5869 Appendix A (no salt = HashLen zeros)", () => {
  const cases = rfc.vectors.filter((v) => v.hash === "SHA-256");
  assert.equal(cases.length, 3);
  for (const v of cases) {
    const salt = v.salt === null ? undefined : hex(v.salt);
    assert.equal(toHex(hkdf(sha256, hex(v.IKM), salt, hex(v.info), v.L)), v.OKM, v.name);
  }
});

test("deriveFromExportKey is HKDF-SHA256(exportKey, no salt, opaque16(label) || opaque16(username), 32)", () => {
  const exportKey = new Uint8Array(64).map((_, i) => i);
  const info = kdfInfo(Label.AccountKeyBackup, "alice");
  const label = new TextEncoder().encode(Label.AccountKeyBackup);
  assert.deepEqual(info, Uint8Array.of(0, label.length, ...label, 0, 5, ...new TextEncoder().encode("alice")));
  assert.deepEqual(deriveFromExportKey(exportKey, Label.AccountKeyBackup, "alice"), hkdf(sha256, exportKey, undefined, info, 32));
  assert.deepEqual(hkdf(sha256, exportKey, undefined, info, 32), hkdf(sha256, exportKey, new Uint8Array(32), info, 32));
});
