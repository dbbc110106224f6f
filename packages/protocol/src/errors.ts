/**
 * Every error code and WebSocket close code Parley uses, in one place. Codes are stable strings:
 * clients and tests match on them, never on messages. docs/protocol.md lists the same table.
 */
export const ErrorCode = {
  /** The frame was not JSON, or its envelope ({ id, type, body }) had the wrong shape. */
  BadFrame: "PARLEY_ERR_BAD_FRAME",
  /** The frame was larger than the server's maxFrameBytes. */
  FrameTooLarge: "PARLEY_ERR_FRAME_TOO_LARGE",
  /** The frame's type is not one this server knows. */
  UnknownType: "PARLEY_ERR_UNKNOWN_TYPE",
  /** The frame's body failed its schema (wrong types, missing fields, sizes over limits). */
  InvalidBody: "PARLEY_ERR_INVALID_BODY",
  /** The request needs a session and the connection has none. */
  Unauthenticated: "PARLEY_ERR_UNAUTHENTICATED",
  /** The request needs a session bound to a registered device. */
  DeviceRequired: "PARLEY_ERR_DEVICE_REQUIRED",
  /** Wrong username or password (deliberately the same answer for both). */
  AuthFailed: "PARLEY_ERR_AUTH_FAILED",
  /** A login or registration step came out of order (finish without start). */
  HandshakeState: "PARLEY_ERR_HANDSHAKE_STATE",
  UsernameTaken: "PARLEY_ERR_USERNAME_TAKEN",
  InvalidUsername: "PARLEY_ERR_INVALID_USERNAME",
  /** The session token is unknown, expired or was logged out. */
  SessionInvalid: "PARLEY_ERR_SESSION_INVALID",
  /** The connection is already authenticated; log out first. */
  AlreadyAuthenticated: "PARLEY_ERR_ALREADY_AUTHENTICATED",
  DeviceExists: "PARLEY_ERR_DEVICE_EXISTS",
  DeviceRevoked: "PARLEY_ERR_DEVICE_REVOKED",
  DeviceNotFound: "PARLEY_ERR_DEVICE_NOT_FOUND",
  UserNotFound: "PARLEY_ERR_USER_NOT_FOUND",
  ConversationNotFound: "PARLEY_ERR_CONVERSATION_NOT_FOUND",
  /** A direct conversation between these two users exists already; details.conversationId names it. */
  ConversationExists: "PARLEY_ERR_CONVERSATION_EXISTS",
  /** The caller's device (or user) is not a member of the conversation. */
  NotMember: "PARLEY_ERR_NOT_MEMBER",
  /** A commit was built on an epoch that is no longer current; details.epoch is the current one. */
  StaleEpoch: "PARLEY_ERR_STALE_EPOCH",
  /** The request is well-formed but not allowed (for example, revoking another user's device). */
  Forbidden: "PARLEY_ERR_FORBIDDEN",
  /** A per-device quota (key packages, pending frames) would be exceeded. */
  QuotaExceeded: "PARLEY_ERR_QUOTA_EXCEEDED",
  /** Too many requests; slow down and retry. */
  RateLimited: "PARLEY_ERR_RATE_LIMITED",
  /** The server failed; the request may be retried. Never carries internal details. */
  Internal: "PARLEY_ERR_INTERNAL",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const errorCodes: readonly ErrorCode[] = Object.values(ErrorCode);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (errorCodes as readonly string[]).includes(value);
}

/** WebSocket close codes. 1xxx are the RFC 6455 ones we use; 4xxx are Parley's own. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  /** A frame exceeded maxFrameBytes (RFC 6455 "message too big"). */
  FrameTooLarge: 1009,
  InternalError: 1011,
  /** No successful login or session resume within authTimeoutMs. */
  AuthTimeout: 4001,
  /** The session was logged out, expired, or its device was revoked. */
  SessionRevoked: 4002,
  /** The client sent too many invalid frames; it is probably not a Parley client. */
  TooManyErrors: 4003,
  /** The client did not read its deliveries fast enough and the send buffer overflowed. */
  SlowConsumer: 4004,
  /** The client sent requests faster than the rate limit allows, for too long. */
  RateLimited: 4005,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
