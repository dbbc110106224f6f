import type { CloseCode, ErrorCode, RequestBody, RequestResult, RequestType } from "@parley/protocol";
import type { OpaqueServer } from "../auth/opaque.js";
import type { Bus } from "../bus/Bus.js";
import type { ServerConfig } from "../config.js";
import type { Logger } from "../log.js";
import type { Store } from "../store/Store.js";

/**
 * An expected refusal, sent to the client as an error reply. Handlers return it (or throw it, when
 * that reads better); any other exception is a bug and becomes PARLEY_ERR_INTERNAL.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

/** A broken invariant inside the server: always a bug. */
export class InternalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InternalError";
  }
}

export interface SessionState {
  tokenHash: Uint8Array;
  username: string;
  deviceId: string | null;
  expiresAt: number;
}

/** What a handler may see and change of its own connection. */
export interface ConnectionControl {
  readonly session: SessionState | null;
  /** The OPAQUE login in progress on this connection (one at a time). */
  pendingLogin: { username: string; serverLoginState: string } | null;
  /** The username of the registration in progress on this connection. */
  pendingRegistration: string | null;
  /** Authenticates the connection; delivery starts once the current reply is sent. */
  establish(session: SessionState): void;
  /** Binds the connection's session to a newly registered device; delivery starts after the reply. */
  bindDevice(deviceId: string): void;
  /** Closes the connection once the current reply is sent. */
  closeAfterReply(code: CloseCode, reason: string): void;
  /**
   * Where an ack of `seq` may move the device's cursor in this conversation without the store's
   * checks, because this connection pushed that far itself (Pusher.ackPosition); null otherwise.
   */
  ackPosition(conversationId: string, seq: number): number | null;
}

export interface HandlerContext {
  store: Store;
  bus: Bus;
  opaque: OpaqueServer;
  config: ServerConfig;
  log: Logger;
  connection: ConnectionControl;
}

export type Handler<T extends RequestType> = (
  ctx: HandlerContext,
  body: RequestBody<T>,
) => Promise<RequestResult<T> | ProtocolError>;

export type HandlerTable = { [T in RequestType]: Handler<T> };

/**
 * Handles several requests of one type from one connection together, each answered on its own:
 * the promises come back in the order of `bodies`.
 */
export type RunHandler<T extends RequestType> = (
  ctx: HandlerContext,
  bodies: readonly RequestBody<T>[],
) => Promise<RequestResult<T> | ProtocolError>[];

/** The request types a connection may run together when they arrive back to back. */
export type RunType = "message.send" | "delivery.ack";

export type RunHandlerTable = { [T in RunType]: RunHandler<T> };

/** The session of a request that passed the "session" gate. */
export function sessionOf(ctx: HandlerContext): SessionState {
  const s = ctx.connection.session;
  if (!s) throw new InternalError("handler reached without a session");
  return s;
}

/** The caller of a request that passed the "device" gate. */
export function deviceOf(ctx: HandlerContext): { username: string; deviceId: string } {
  const s = sessionOf(ctx);
  if (s.deviceId === null) throw new InternalError("handler reached without a device");
  return { username: s.username, deviceId: s.deviceId };
}
