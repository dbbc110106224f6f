/**
 * AES-GCM on node:crypto, in the form MLS and HPKE use it: the tag appended to the ciphertext,
 * an absent AAD the same as an empty one. Shared by the node provider's AEAD entry points and by
 * the HPKE seal/open of hpke/suite1.ts (which also runs in the seal worker, so no ts-mls here but
 * its error type).
 */
import { createCipheriv, createDecipheriv } from "node:crypto";
import { CryptoError } from "ts-mls/mlsError.js";
import { u8 } from "./bytes.js";

const GCM_TAG_BYTES = 16;

function aesName(key: Uint8Array): "aes-128-gcm" | "aes-256-gcm" {
  if (key.length === 16) return "aes-128-gcm";
  if (key.length === 32) return "aes-256-gcm";
  throw new CryptoError("AES-GCM key must be 16 or 32 bytes");
}

export function aesGcmEncrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined, plaintext: Uint8Array): Uint8Array {
  const cipher = createCipheriv(aesName(key), key, nonce);
  if (aad !== undefined && aad.length > 0) cipher.setAAD(aad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(head.length + tail.length + GCM_TAG_BYTES);
  out.set(head, 0);
  out.set(tail, head.length);
  out.set(cipher.getAuthTag(), head.length + tail.length);
  return out;
}

export function aesGcmDecrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined, ciphertext: Uint8Array): Uint8Array {
  if (ciphertext.length < GCM_TAG_BYTES) throw new CryptoError("AES-GCM: ciphertext shorter than its tag");
  try {
    const decipher = createDecipheriv(aesName(key), key, nonce);
    if (aad !== undefined && aad.length > 0) decipher.setAAD(aad);
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - GCM_TAG_BYTES));
    const head = decipher.update(ciphertext.subarray(0, ciphertext.length - GCM_TAG_BYTES));
    const tail = decipher.final();
    if (tail.length === 0) return u8(head);
    const out = new Uint8Array(head.length + tail.length);
    out.set(head, 0);
    out.set(tail, head.length);
    return out;
  } catch (e) {
    throw new CryptoError(`AES-GCM: ${e instanceof Error ? e.message : String(e)}`);
  }
}
