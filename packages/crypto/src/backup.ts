/**
 * The account key backup: the account private key sealed under a key only the password can
 * recover, so a new device needs nothing but the password. The server stores the blob and cannot
 * open it; it never sees the OPAQUE export key.
 *
 * Encoding (version 1, 73 bytes):
 *   u8 version = 1 || nonce[24] || XChaCha20-Poly1305(key, nonce, ad, privateKey[32])  (48 bytes with tag)
 * where key = HKDF-SHA256(ikm = exportKey, salt = none,
 *                         info = opaque16("parley/v1/account-key-backup") || opaque16(username))
 * and   ad  = opaque16("parley/v1/account-key-backup") || u8 version || opaque16(username).
 * The public key is not stored: it is recomputed from the private key on open.
 */
import { accountKeyFromPrivateKey, assertAccountKeyPair, ACCOUNT_PRIVATE_KEY_BYTES, type AccountKeyPair } from "./accountKey.js";
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal } from "./aead.js";
import { concatBytes, utf8, wipe } from "./bytes.js";
import { Writer } from "./codec.js";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import { deriveFromExportKey } from "./kdf.js";
import { Label } from "./labels.js";
import { MAX_EXPORT_KEY_BYTES, MAX_USERNAME_BYTES, MIN_EXPORT_KEY_BYTES } from "./limits.js";
import { assertBytes, assertString } from "./validate.js";

/** The backup format version this code writes and reads. */
export const BACKUP_VERSION = 1;
/** Size in bytes of a version-1 backup blob. */
export const BACKUP_BYTES = 1 + AEAD_NONCE_BYTES + ACCOUNT_PRIVATE_KEY_BYTES + AEAD_TAG_BYTES;

function associatedData(version: number, username: string): Uint8Array {
  return new Writer().opaque16(utf8(Label.AccountKeyBackup)).u8(version).opaque16(utf8(username)).finish();
}

function checkCommon(exportKey: unknown, username: unknown): void {
  assertBytes(exportKey, "exportKey", { min: MIN_EXPORT_KEY_BYTES, max: MAX_EXPORT_KEY_BYTES });
  assertString(username, "username", 1, MAX_USERNAME_BYTES);
}

/**
 * Seals the account private key for storage on the server.
 *
 * @example
 * const { record, exportKey } = await opaqueRegisterFinish(state, response, password);
 * const account = generateAccountKey();
 * const backup = sealAccountKeyBackup(account, exportKey, "alice"); // send with the record
 */
export function sealAccountKeyBackup(account: AccountKeyPair, exportKey: Uint8Array, username: string): Uint8Array {
  assertAccountKeyPair(account, "account");
  checkCommon(exportKey, username);
  const key = deriveFromExportKey(exportKey, Label.AccountKeyBackup, username);
  try {
    const { nonce, ciphertext } = aeadSeal(key, account.privateKey, associatedData(BACKUP_VERSION, username));
    return concatBytes(Uint8Array.of(BACKUP_VERSION), nonce, ciphertext);
  } finally {
    wipe(key);
  }
}

/**
 * Opens a backup made by sealAccountKeyBackup with the same export key and username.
 * Throws CryptoError("PARLEY_CRYPTO_BACKUP_INVALID") when it does not open, whatever the reason
 * (wrong export key, wrong username, a changed byte, an unknown version): the causes are not told
 * apart, as none of them is the caller's to fix but by logging in again.
 *
 * @example
 * const login = await opaqueLoginFinish(state, response, password);
 * const account = openAccountKeyBackup(backupFromServer, login.exportKey, "alice");
 */
export function openAccountKeyBackup(backup: Uint8Array, exportKey: Uint8Array, username: string): AccountKeyPair {
  assertBytes(backup, "backup");
  checkCommon(exportKey, username);
  if (backup.length !== BACKUP_BYTES || backup[0] !== BACKUP_VERSION) {
    throw new CryptoError(CryptoErrorCode.BackupInvalid, "account key backup: unknown version or wrong size");
  }
  const key = deriveFromExportKey(exportKey, Label.AccountKeyBackup, username);
  const nonce = backup.subarray(1, 1 + AEAD_NONCE_BYTES);
  const ciphertext = backup.subarray(1 + AEAD_NONCE_BYTES);
  const privateKey = aeadOpen(key, nonce, ciphertext, associatedData(BACKUP_VERSION, username));
  wipe(key);
  if (privateKey === undefined) {
    throw new CryptoError(CryptoErrorCode.BackupInvalid, "account key backup did not authenticate");
  }
  const account = accountKeyFromPrivateKey(privateKey);
  wipe(privateKey);
  return account;
}
