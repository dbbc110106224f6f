import { Type, type Static } from "@sinclair/typebox";
import { isErrorCode, type ErrorCode } from "../errors.js";

/**
 * The outer shape of every frame. Client to server: a request `{ id, type, body }`. Server to
 * client: a reply `{ id, type: "ok", result }` or `{ id, type: "error", code, message }`, or a push
 * (`deliver`, `welcome`) that carries no id.
 */
export const RequestEnvelope = Type.Object(
  {
    id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }),
    type: Type.String({ minLength: 1, maxLength: 64 }),
    body: Type.Object({}),
  },
  { additionalProperties: false },
);
export type RequestEnvelope = Static<typeof RequestEnvelope>;

export interface OkReply<R = unknown> {
  id: number;
  type: "ok";
  result: R;
}
export interface ErrorReply {
  /** 0 when the failing frame had no readable id. */
  id: number;
  type: "error";
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}
export type Reply<R = unknown> = OkReply<R> | ErrorReply;

export const ReplyEnvelope = Type.Union([
  Type.Object(
    { id: Type.Integer({ minimum: 1 }), type: Type.Literal("ok"), result: Type.Object({}) },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      id: Type.Integer({ minimum: 0 }),
      type: Type.Literal("error"),
      code: Type.String({ maxLength: 64 }),
      message: Type.String({ maxLength: 1000 }),
      details: Type.Optional(Type.Object({})),
    },
    { additionalProperties: false },
  ),
]);

export function isErrorReplyCode(code: unknown): code is ErrorCode {
  return isErrorCode(code);
}
