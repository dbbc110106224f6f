// Proves signed device lists round-trip as sets, have one encoding per set, and are refused when
// tampered with, signed by another key, or for another user.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { generateAccountKey, signDeviceList, verifyDeviceList, MAX_DEVICE_LIST_DEVICES } from "../src/index.js";
import { Writer } from "../src/codec.js";
import { signWithLabel } from "../src/sign.js";
import { Label } from "../src/labels.js";

const account = generateAccountKey();
const ids = ["zeta-device", "alpha-device", "Mid"];
const signed = signDeviceList(account, "alice", 7, ids);

test("round trip: version and the ids, sorted by bytes", () => {
  assert.deepEqual(verifyDeviceList(signed, account.publicKey, "alice"), { version: 7, deviceIds: ["Mid", "alpha-device", "zeta-device"] });
});

test("one encoding per set: the order given does not matter (up to the signature)", () => {
  const a = signDeviceList(account, "alice", 7, ["a", "b"]);
  const b = signDeviceList(account, "alice", 7, ["b", "a"]);
  // Ed25519 is deterministic, so the same set gives the same bytes.
  assert.deepEqual(a, b);
});

test("the encoding is the documented one", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const body = new Writer().u8(1).opaque16(enc("alice")).u64(7).u16(3)
    .opaque16(enc("Mid")).opaque16(enc("alpha-device")).opaque16(enc("zeta-device")).finish();
  const expected = new Writer().raw(body).opaque16(signWithLabel(account.privateKey, Label.DeviceList, body)).finish();
  assert.deepEqual(signed, expected);
});

test("an empty list and large versions are fine", () => {
  const empty = signDeviceList(account, "alice", Number.MAX_SAFE_INTEGER, []);
  assert.deepEqual(verifyDeviceList(empty, account.publicKey, "alice"), { version: Number.MAX_SAFE_INTEGER, deviceIds: [] });
});

test("another user's name, another key, any changed byte or trailing byte: undefined", () => {
  assert.equal(verifyDeviceList(signed, account.publicKey, "bob"), undefined);
  assert.equal(verifyDeviceList(signed, generateAccountKey().publicKey, "alice"), undefined);
  for (let i = 0; i < signed.length; i++) {
    const t = signed.slice();
    t[i] = (t[i] as number) ^ 1;
    assert.equal(verifyDeviceList(t, account.publicKey, "alice"), undefined, `byte ${i}`);
  }
  assert.equal(verifyDeviceList(Uint8Array.of(...signed, 0), account.publicKey, "alice"), undefined);
  for (let n = 0; n < signed.length; n++) assert.equal(verifyDeviceList(signed.subarray(0, n), account.publicKey, "alice"), undefined);
});

test("a device credential signature cannot pass as a device list (labels differ)", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const body = new Writer().u8(1).opaque16(enc("alice")).u64(1).u16(0).finish();
  const wrongLabel = new Writer().raw(body).opaque16(signWithLabel(account.privateKey, Label.DeviceCredential, body)).finish();
  assert.equal(verifyDeviceList(wrongLabel, account.publicKey, "alice"), undefined);
});

test("unsorted or duplicate ids in the bytes are refused even when signed", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  for (const list of [["b", "a"], ["a", "a"]]) {
    const w = new Writer().u8(1).opaque16(enc("alice")).u64(1).u16(list.length);
    for (const id of list) w.opaque16(enc(id));
    const body = w.finish();
    const bytes = new Writer().raw(body).opaque16(signWithLabel(account.privateKey, Label.DeviceList, body)).finish();
    assert.equal(verifyDeviceList(bytes, account.publicKey, "alice"), undefined, list.join(","));
  }
});

test("sign checks its arguments, naming the field", () => {
  assert.throws(() => signDeviceList(account, "alice", 1, ["a", "a"]), { name: "RangeError", message: /duplicates/ });
  assert.throws(() => signDeviceList(account, "alice", -1, []), { name: "RangeError", message: /version/ });
  assert.throws(() => signDeviceList(account, "alice", 1.5, []), { name: "RangeError", message: /version/ });
  assert.throws(() => signDeviceList(account, "alice", 1, [""]), { name: "RangeError", message: /deviceIds\[0\]/ });
  assert.throws(() => signDeviceList(account, "alice", 1, "a" as unknown as string[]), { name: "TypeError", message: /deviceIds/ });
  assert.throws(() => signDeviceList(account, "", 1, []), { name: "RangeError", message: /username/ });
  const many = Array.from({ length: MAX_DEVICE_LIST_DEVICES + 1 }, (_, i) => `d${i}`);
  assert.throws(() => signDeviceList(account, "alice", 1, many), { name: "RangeError", message: /deviceIds/ });
  assert.throws(() => verifyDeviceList(signed, new Uint8Array(5), "alice"), { name: "RangeError", message: /accountKey/ });
});

test("property: any set of ids round-trips, sorted by UTF-8 bytes", () => {
  const idArb = fc.string({ minLength: 1, maxLength: 30, unit: "grapheme" });
  fc.assert(
    fc.property(fc.uniqueArray(idArb, { maxLength: 20 }), fc.nat(), (list, version) => {
      const enc = new TextEncoder();
      const bytes = signDeviceList(account, "alice", version, list);
      const out = verifyDeviceList(bytes, account.publicKey, "alice");
      assert.ok(out);
      assert.equal(out.version, version);
      assert.deepEqual(new Set(out.deviceIds), new Set(list));
      for (let i = 1; i < out.deviceIds.length; i++) {
        assert.ok(Buffer.compare(enc.encode(out.deviceIds[i - 1]), enc.encode(out.deviceIds[i])) < 0);
      }
    }),
    { numRuns: 100 },
  );
});
