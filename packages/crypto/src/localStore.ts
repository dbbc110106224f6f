/**
 * At-rest encryption for a client's local stores (the web app's IndexedDB, the CLI's files): a key
 * derived from the OPAQUE export key, so the store opens only after the password, and an AEAD
 * seal with a fresh random nonce per value.
 *
 * Key: HKDF-SHA256(ikm = exportKey, salt = none,
 *                  info = opaque16("parley/v1/local-store-key") || opaque16(username)), 32 bytes.
 * Sealed value (version 1): u8 version = 1 || nonce[24] || XChaCha20-Poly1305 ciphertext and tag,
 * with associated data u8 version || the caller's associated data.
 * Pass, as associated data, where the value lives (store name, record key), so a value cannot be
 * moved to another place unnoticed.
 */
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal } from "./aead.js";
import { concatBytes } from "./bytes.js";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import { deriveFromExportKey } from "./kdf.js";
import { Label } from "./labels.js";
import { MAX_EXPORT_KEY_BYTES, MAX_USERNAME_BYTES, MIN_EXPORT_KEY_BYTES } from "./limits.js";
import { assertBytes, assertString } from "./validate.js";

/** The sealed-value format version this code writes and reads. */
export const LOCAL_SEALED_VERSION = 1;
/** Bytes a sealed value adds to its plaintext: version, nonce and tag. */
export const LOCAL_SEALED_OVERHEAD = 1 + AEAD_NONCE_BYTES + AEAD_TAG_BYTES;

const EMPTY = new Uint8Array(0);

/**
 * The 32-byte local store key of a user. Keep it in memory only; wipe it (`.fill(0)`) on logout.
 *
 * @example
 * const key = deriveLocalStoreKey(login.exportKey, "alice");
 */
export function deriveLocalStoreKey(exportKey: Uint8Array, username: string): Uint8Array {
  assertBytes(exportKey, "exportKey", { min: MIN_EXPORT_KEY_BYTES, max: MAX_EXPORT_KEY_BYTES });
  assertString(username, "username", 1, MAX_USERNAME_BYTES);
  return deriveFromExportKey(exportKey, Label.LocalStoreKey, username);
}

function fullAssociatedData(version: number, associatedData: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(version), associatedData);
}

/**
 * Encrypts a value for the local store.
 *
 * @example
 * const sealed = sealLocal(key, plaintext, utf8("messages/42"));
 */
export function sealLocal(key: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array = EMPTY): Uint8Array {
  assertBytes(key, "key", { length: AEAD_KEY_BYTES });
  assertBytes(plaintext, "plaintext");
  assertBytes(associatedData, "associatedData");
  const { nonce, ciphertext } = aeadSeal(key, plaintext, fullAssociatedData(LOCAL_SEALED_VERSION, associatedData));
  return concatBytes(Uint8Array.of(LOCAL_SEALED_VERSION), nonce, ciphertext);
}

/**
 * Decrypts a value sealed by sealLocal with the same key and associated data. Throws
 * CryptoError("PARLEY_CRYPTO_LOCAL_SEALED_INVALID") when it does not open.
 *
 * @example
 * const plaintext = openLocal(key, sealed, utf8("messages/42"));
 */
export function openLocal(key: Uint8Array, sealed: Uint8Array, associatedData: Uint8Array = EMPTY): Uint8Array {
  assertBytes(key, "key", { length: AEAD_KEY_BYTES });
  assertBytes(sealed, "sealed");
  assertBytes(associatedData, "associatedData");
  if (sealed.length < LOCAL_SEALED_OVERHEAD || sealed[0] !== LOCAL_SEALED_VERSION) {
    throw new CryptoError(CryptoErrorCode.LocalSealedInvalid, "sealed value: unknown version or too short");
  }
  const plaintext = aeadOpen(
    key,
    sealed.subarray(1, 1 + AEAD_NONCE_BYTES),
    sealed.subarray(1 + AEAD_NONCE_BYTES),
    fullAssociatedData(LOCAL_SEALED_VERSION, associatedData),
  );
  if (plaintext === undefined) {
    throw new CryptoError(CryptoErrorCode.LocalSealedInvalid, "sealed value did not authenticate");
  }
  return plaintext;
}
