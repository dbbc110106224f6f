/**
 * The one AEAD of this package: XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha; ChaCha20-Poly1305 of
 * RFC 8439 with a 192-bit nonce) from @noble/ciphers. Its 24-byte nonces are drawn at random, which
 * is safe for any practical number of messages under one key, unlike the 12-byte nonces of
 * AES-GCM or plain ChaCha20-Poly1305. ChaCha20 also runs in constant time in JavaScript, where
 * table-based AES does not.
 */
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "./bytes.js";

export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 24;
export const AEAD_TAG_BYTES = 16;

/** Encrypts under a fresh random nonce; returns nonce and ciphertext (with its tag). */
export function aeadSeal(key: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): { nonce: Uint8Array; ciphertext: Uint8Array } {
  const nonce = randomBytes(AEAD_NONCE_BYTES);
  const ciphertext = xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext);
  return { nonce, ciphertext };
}

/** Decrypts and authenticates; undefined when the tag does not verify. */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array | undefined {
  if (ciphertext.length < AEAD_TAG_BYTES || nonce.length !== AEAD_NONCE_BYTES) return undefined;
  try {
    return xchacha20poly1305(key, nonce, associatedData).decrypt(ciphertext);
  } catch {
    return undefined;
  }
}
