import { ErrorCode, type ErrorCode as ServerErrorCode } from "@parley/protocol";

/** Codes for failures the client itself detects (server failures keep the server's PARLEY_ERR_* code). */
export const ClientErrorCode = {
  /** The server could not be reached, or the connection dropped while a request was pending. */
  Disconnected: "PARLEY_ERR_DISCONNECTED",
  /** A request got no reply in time. */
  Timeout: "PARLEY_ERR_TIMEOUT",
  /** The server sent a frame that failed its schema: the client stops trusting that connection. */
  BadServerFrame: "PARLEY_ERR_BAD_SERVER_FRAME",
  /** This profile has no logged-in account. */
  NotLoggedIn: "PARLEY_ERR_NOT_LOGGED_IN",
  /** A contact's account key differs from the pinned one: nothing is sent until the user re-verifies. */
  KeyChanged: "PARLEY_ERR_KEY_CHANGED",
  /** The server's account key for us, or our backup, does not match what we hold. */
  IdentityMismatch: "PARLEY_ERR_IDENTITY_MISMATCH",
  /** No conversation matches the given target. */
  NoSuchConversation: "PARLEY_ERR_NO_SUCH_CONVERSATION",
  /** A user has no device that can be added (no key packages available). */
  NoDevices: "PARLEY_ERR_NO_DEVICES",
  /** This device has not joined the conversation's MLS group (yet). */
  NotJoined: "PARLEY_ERR_NOT_JOINED",
  /** A commit kept losing the race for its epoch. */
  CommitConflict: "PARLEY_ERR_COMMIT_CONFLICT",
  /** The TLS certificate did not match the pinned fingerprint. */
  TlsPinMismatch: "PARLEY_ERR_TLS_PIN_MISMATCH",
  /** A login or registration step failed on the client side (e.g. wrong password). */
  AuthFailed: ErrorCode.AuthFailed,
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Every error the SDK throws on purpose carries a stable code. */
export class ParleyError extends Error {
  readonly code: ClientErrorCode | ServerErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ClientErrorCode | ServerErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "ParleyError";
    this.code = code;
    this.details = details;
  }
}

export function isParleyError(e: unknown, code?: string): e is ParleyError {
  return e instanceof ParleyError && (code === undefined || e.code === code);
}
