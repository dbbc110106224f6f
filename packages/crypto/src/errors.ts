/**
 * The one error class of @parley/crypto. Misuse (a wrong argument type or size) throws the
 * built-in TypeError or RangeError, as noble does; a CryptoError means the *input data* was
 * rejected: a blob that does not decode, a ciphertext that does not authenticate. Callers match
 * on `code`, never on `message`.
 */

/** Every code a CryptoError from this package can carry (the MLS wrapper may add its own). */
export const CryptoErrorCode = {
  /** An account key backup did not open: wrong export key, wrong username, tampered or malformed blob. */
  BackupInvalid: "PARLEY_CRYPTO_BACKUP_INVALID",
  /** A device credential's bytes do not decode to a version-1 credential. */
  CredentialMalformed: "PARLEY_CRYPTO_CREDENTIAL_MALFORMED",
  /** A locally sealed value did not open: wrong key, wrong associated data, tampered or malformed. */
  LocalSealedInvalid: "PARLEY_CRYPTO_LOCAL_SEALED_INVALID",
  /** The OPAQUE library rejected a message or state as malformed (not a wrong password). */
  OpaqueMessageInvalid: "PARLEY_CRYPTO_OPAQUE_MESSAGE_INVALID",
  /** Something that cannot happen happened: a bug in Parley or a library. */
  Internal: "PARLEY_CRYPTO_INTERNAL",
} as const;
export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

/**
 * An error about data, with a stable string code.
 *
 * @example
 * try { openAccountKeyBackup(blob, exportKey, "alice"); }
 * catch (e) { if (e instanceof CryptoError && e.code === CryptoErrorCode.BackupInvalid) askAgain(); }
 */
export class CryptoError extends Error {
  /** A stable code such as "PARLEY_CRYPTO_BACKUP_INVALID". */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CryptoError";
    this.code = code;
  }
}
