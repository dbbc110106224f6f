// Proves the byte helpers: constant-time equality is correct, randomness has the asked size and
// is not constant, and the codec refuses out-of-range values and short input.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { constantTimeEqual, randomBytes } from "../src/index.js";
import { base64UrlDecode } from "../src/bytes.js";
import { DecodeError, Reader, Writer } from "../src/codec.js";

test("constantTimeEqual agrees with a plain comparison", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (a, b) => {
      assert.equal(constantTimeEqual(a, b), Buffer.compare(a, b) === 0);
      assert.equal(constantTimeEqual(a, a.slice()), true);
    }),
  );
  assert.throws(() => constantTimeEqual("a" as unknown as Uint8Array, new Uint8Array(1)), { name: "TypeError", message: /\ba\b/ });
});

test("randomBytes gives the asked size, past WebCrypto's 64 KiB per call, and is not constant", () => {
  assert.equal(randomBytes(0).length, 0);
  const big = randomBytes(200_000);
  assert.equal(big.length, 200_000);
  assert.ok(big.subarray(150_000).some((x) => x !== 0));
  assert.notDeepEqual(randomBytes(32), randomBytes(32));
  assert.throws(() => randomBytes(-1), { name: "RangeError", message: /\bn\b/ });
  assert.throws(() => randomBytes(1.5), RangeError);
  assert.throws(() => randomBytes("3" as unknown as number), TypeError);
});

test("base64UrlDecode reverses unpadded base64url and refuses other alphabets", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      assert.deepEqual(base64UrlDecode(Buffer.from(b).toString("base64url")), b);
    }),
  );
  assert.equal(base64UrlDecode("a+b/"), undefined);
  assert.equal(base64UrlDecode("abcde"), undefined);
});

test("codec: round trip of every field kind, trailing bytes and short input refused", () => {
  const bytes = new Writer().u8(255).u16(65535).u64(Number.MAX_SAFE_INTEGER).opaque16(Uint8Array.of(1, 2)).raw(Uint8Array.of(9)).finish();
  const r = new Reader(bytes);
  assert.equal(r.u8(), 255);
  assert.equal(r.u16(), 65535);
  assert.equal(r.u64(), Number.MAX_SAFE_INTEGER);
  assert.deepEqual(r.opaque16("x", 0, 10), Uint8Array.of(1, 2));
  assert.throws(() => r.end(), DecodeError);
  assert.deepEqual(r.raw(1), Uint8Array.of(9));
  r.end();
  assert.throws(() => new Reader(Uint8Array.of(1)).u16(), DecodeError);
  assert.throws(() => new Reader(Uint8Array.of(0, 3, 1)).opaque16("x", 0, 10), DecodeError);
  assert.throws(() => new Reader(Uint8Array.of(0, 3, 1, 2, 3)).opaque16("x", 0, 2), DecodeError);
  assert.throws(() => new Reader(new Uint8Array(8).fill(0xff)).u64(), DecodeError);
  assert.throws(() => new Writer().u16(65536), RangeError);
  assert.throws(() => new Writer().u64(-1), RangeError);
});
