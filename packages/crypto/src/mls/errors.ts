/**
 * The one error class of the MLS wrapper. Every failure that comes from *data* (a message, a
 * Welcome, a key package, a stored state) is an MlsError with a stable `code`; callers match on
 * the code, never on the message. Misuse (a wrong argument type or size) throws TypeError or
 * RangeError instead. ts-mls's own errors never leave this module: they are mapped here.
 */
import {
  CodecError,
  CryptoError,
  CryptoVerificationError,
  MlsError as TsMlsError,
  ValidationError,
} from "ts-mls/mlsError.js";

export const MlsErrorCode = {
  /** An application message or Welcome did not decrypt (wrong keys, tampered, or not for this epoch's keys). */
  DecryptFailed: "MLS_DECRYPT_FAILED",
  /** The message belongs to another epoch than the group's (older: already past; newer: a commit is missing). */
  WrongEpoch: "MLS_WRONG_EPOCH",
  /** The message belongs to another group. */
  WrongGroup: "MLS_WRONG_GROUP",
  /** The caller's CredentialValidator refused a credential (key package, Welcome tree, commit, external join). */
  CredentialRejected: "MLS_CREDENTIAL_REJECTED",
  /** The caller's CredentialValidator threw (say, a lost connection): nothing was decided, retry later. */
  ValidatorFailed: "MLS_VALIDATOR_FAILED",
  /** The bytes do not decode to the expected MLS structure. */
  Malformed: "MLS_MALFORMED",
  /** None of the Welcome's recipients is one of this device's key packages. */
  WelcomeNotForUs: "MLS_WELCOME_NOT_FOR_US",
  /** A stored state (serialize/restore, key package private state) does not decode or does not match. */
  StateCorrupt: "MLS_STATE_CORRUPT",
  /** The message is this device's own application message: senders cannot decrypt those, keep what you sent. */
  OwnMessage: "MLS_OWN_MESSAGE",
  /** This device was removed from the group: it can no longer send or receive. */
  Removed: "MLS_REMOVED",
  /** The input decoded but breaks an MLS rule (bad signature, bad tree, bad proposal, …). */
  Rejected: "MLS_REJECTED",
} as const;
export type MlsErrorCode = (typeof MlsErrorCode)[keyof typeof MlsErrorCode];

/**
 * An error about MLS data, with a stable code.
 *
 * @example
 * try { await group.process(bytes); }
 * catch (e) { if (e instanceof MlsError && e.code === "MLS_WRONG_EPOCH" && e.messageEpoch! < group.epoch) skip(); }
 */
export class MlsError extends Error {
  readonly code: MlsErrorCode;
  /** For MLS_WRONG_EPOCH: the epoch the message was sent in. */
  readonly messageEpoch?: number;
  /** For MLS_WRONG_EPOCH: the group's epoch when the message was refused. */
  readonly groupEpoch?: number;

  constructor(
    code: MlsErrorCode,
    message: string,
    options?: { cause?: unknown; messageEpoch?: number; groupEpoch?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MlsError";
    this.code = code;
    if (options?.messageEpoch !== undefined) this.messageEpoch = options.messageEpoch;
    if (options?.groupEpoch !== undefined) this.groupEpoch = options.groupEpoch;
  }
}

/**
 * Counts what the caller's validator said during one operation, so a ts-mls "Could not validate
 * credential" can be reported as MLS_CREDENTIAL_REJECTED without matching on its message.
 */
export interface ValidatorAudit {
  rejections: number;
  failure: unknown;
}

/**
 * Maps anything thrown inside ts-mls to an MlsError. `fallback` is the code for ts-mls
 * validation failures in this context. Our own argument checks run before any ts-mls call, so
 * everything thrown from inside one (even a TypeError on a malformed structure) is about data.
 */
export function toMlsError(
  e: unknown,
  context: string,
  audit?: { before: number; now: ValidatorAudit },
  fallback: MlsErrorCode = MlsErrorCode.Rejected,
): Error {
  if (e instanceof MlsError) return e;
  if (audit !== undefined && audit.now.failure !== undefined) {
    const failure = audit.now.failure;
    audit.now.failure = undefined;
    return new MlsError(MlsErrorCode.ValidatorFailed, `${context}: the credential validator threw`, { cause: failure });
  }
  if (audit !== undefined && audit.now.rejections > audit.before) {
    return new MlsError(MlsErrorCode.CredentialRejected, `${context}: a credential was rejected by the validator`, {
      cause: e,
    });
  }
  if (e instanceof CodecError) return new MlsError(MlsErrorCode.Malformed, `${context}: ${e.message}`, { cause: e });
  if (e instanceof CryptoError) return new MlsError(MlsErrorCode.DecryptFailed, `${context}: ${e.message}`, { cause: e });
  if (e instanceof ValidationError || e instanceof CryptoVerificationError || e instanceof TsMlsError) {
    return new MlsError(fallback, `${context}: ${e.message}`, { cause: e });
  }
  // WebCrypto's AES-GCM and HPKE failures surface as DOMException "OperationError".
  if (isOperationError(e)) return new MlsError(MlsErrorCode.DecryptFailed, `${context}: decryption failed`, { cause: e });
  const message = e instanceof Error ? e.message : String(e);
  return new MlsError(fallback, `${context}: ${message}`, { cause: e });
}

function isOperationError(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const name = (e as { name?: unknown }).name;
  return name === "OperationError" || (e instanceof Error && /aes\/gcm|invalid tag|decrypt/i.test(e.message));
}
