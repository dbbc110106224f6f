/**
 * HMAC-SHA-256 and HKDF-SHA-256 (RFC 2104, RFC 5869) on node:crypto, for the node provider's
 * MLS key derivations and for HPKE (hpke/suite1.ts). The HPKE seal worker loads it too, so it
 * depends on nothing of ts-mls's but its error class.
 */
import { createHmac } from "node:crypto";
import { CryptoError } from "ts-mls/mlsError.js";

export const SHA256_BYTES = 32;

const COUNTER_BYTES = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));

export function hmacSha256(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/**
 * HKDF-Extract (RFC 5869 §2.2): HMAC with the salt as its key. An empty salt needs no stand-in:
 * HMAC pads its key with zeros (RFC 2104 §2), so it is the HashLen zero bytes the RFC asks for.
 */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Buffer {
  return hmacSha256(salt, ikm);
}

/**
 * HKDF-Expand (RFC 5869 §2.3). Every expansion MLS and HPKE make in ciphersuite 1 is at most one
 * block, T(1) = HMAC(PRK, info || 0x01), which is done without the loop.
 */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  if (!(Number.isInteger(length) && length >= 0 && length <= 255 * SHA256_BYTES)) throw new CryptoError("HKDF-Expand: bad length");
  if (length <= SHA256_BYTES) {
    const block = createHmac("sha256", prk).update(info).update(COUNTER_BYTES[1]!).digest();
    if (length === SHA256_BYTES) return block;
    // A key or nonce cut from the block: the rest of the block is secret too, so it is zeroed
    // rather than left behind a view. Buffer.alloc, unlike Buffer.from, never uses the shared pool.
    const out = Buffer.alloc(length);
    block.copy(out, 0, 0, length);
    block.fill(0);
    return out;
  }
  const out = Buffer.alloc(length);
  let previous: Uint8Array = new Uint8Array(0);
  for (let offset = 0, i = 1; offset < length; i++) {
    const next = createHmac("sha256", prk).update(previous).update(info).update(COUNTER_BYTES[i]!).digest();
    previous.fill(0);
    previous = next;
    out.set(previous.subarray(0, Math.min(SHA256_BYTES, length - offset)), offset);
    offset += SHA256_BYTES;
  }
  previous.fill(0);
  return out;
}
