import { TypeCompiler } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import type { TSchema } from "@sinclair/typebox";
import { ErrorCode } from "./errors.js";
import { defaultLimits, type Limits } from "./limits.js";
import { RequestEnvelope, ReplyEnvelope, type Reply } from "./frames/envelope.js";
import {
  requestSchemas,
  type AuthLevel,
  type RequestBody,
  type RequestSchemas,
  type RequestType,
} from "./frames/requests.js";
import { pushSchemas, type PushFrame } from "./frames/push.js";

type Check = (value: unknown) => boolean;

/**
 * Compiles a schema to a fast checker. Where code generation is forbidden (a browser page under a
 * Content-Security-Policy without 'unsafe-eval'), falls back to TypeBox's interpreter: slower, same
 * answers.
 */
function compile(schema: TSchema): Check {
  try {
    const compiled = TypeCompiler.Compile(schema);
    return (value) => compiled.Check(value);
  } catch {
    return (value) => Value.Check(schema, value);
  }
}

export type ParsedRequest =
  | { kind: "ok"; id: number; type: RequestType; auth: AuthLevel; body: RequestBody<RequestType> }
  | { kind: "error"; id: number; code: ErrorCode; message: string };

export type ParsedServerFrame =
  | { kind: "reply"; reply: Reply }
  | { kind: "push"; frame: PushFrame }
  | { kind: "invalid"; message: string };

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Parses and validates frames in both directions against the protocol's schemas and limits.
 * Every byte from the network goes through here before any handler sees it.
 */
export class FrameCodec {
  readonly limits: Readonly<Limits>;
  private readonly schemas: RequestSchemas;
  private readonly envelopeCheck: Check;
  private readonly bodyChecks = new Map<string, Check>();
  private readonly resultChecks = new Map<string, Check>();
  private readonly replyCheck: Check;
  private readonly pushChecks = new Map<string, Check>();

  constructor(limits: Partial<Limits> = {}) {
    this.limits = Object.freeze({ ...defaultLimits, ...limits });
    this.schemas = requestSchemas(this.limits);
    this.envelopeCheck = compile(RequestEnvelope);
    this.replyCheck = compile(ReplyEnvelope);
    for (const [type, s] of Object.entries(this.schemas)) {
      this.bodyChecks.set(type, compile(s.body));
      this.resultChecks.set(type, compile(s.result));
    }
    for (const [type, s] of Object.entries(pushSchemas(this.limits))) {
      this.pushChecks.set(type, compile(s));
    }
  }

  /** Parses one client frame (text or UTF-8 bytes). Never throws. */
  parseRequest(raw: string | Uint8Array): ParsedRequest {
    const size = typeof raw === "string" ? raw.length : raw.byteLength;
    if (size > this.limits.maxFrameBytes) {
      return { kind: "error", id: 0, code: ErrorCode.FrameTooLarge, message: "frame exceeds maxFrameBytes" };
    }
    let value: unknown;
    try {
      value = JSON.parse(typeof raw === "string" ? raw : textDecoder.decode(raw));
    } catch {
      return { kind: "error", id: 0, code: ErrorCode.BadFrame, message: "frame is not valid JSON" };
    }
    const id = readId(value);
    if (!this.envelopeCheck(value)) {
      return {
        kind: "error",
        id,
        code: ErrorCode.BadFrame,
        message: "frame must be an object { id, type, body }",
      };
    }
    const env = value as { id: number; type: string; body: unknown };
    if (!Object.hasOwn(this.schemas, env.type)) {
      return { kind: "error", id, code: ErrorCode.UnknownType, message: `unknown frame type ${JSON.stringify(env.type.slice(0, 64))}` };
    }
    const type = env.type as RequestType;
    if (!this.bodyChecks.get(type)!(env.body)) {
      return { kind: "error", id, code: ErrorCode.InvalidBody, message: `invalid body for ${type}` };
    }
    return { kind: "ok", id, type, auth: this.schemas[type].auth, body: env.body as RequestBody<RequestType> };
  }

  /** Parses one server frame on the client side. Never throws. */
  parseServerFrame(raw: string): ParsedServerFrame {
    if (raw.length > this.limits.maxFrameBytes) return { kind: "invalid", message: "frame too large" };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return { kind: "invalid", message: "not JSON" };
    }
    if (typeof value !== "object" || value === null) return { kind: "invalid", message: "not an object" };
    const type = (value as { type?: unknown }).type;
    if (type === "ok" || type === "error") {
      return this.replyCheck(value) ? { kind: "reply", reply: value as Reply } : { kind: "invalid", message: "bad reply" };
    }
    const check = typeof type === "string" ? this.pushChecks.get(type) : undefined;
    if (!check) return { kind: "invalid", message: "unknown push type" };
    return check(value) ? { kind: "push", frame: value as PushFrame } : { kind: "invalid", message: `bad ${String(type)} frame` };
  }

  /** Whether a result matches its request type's result schema (clients check every reply). */
  checkResult(type: RequestType, result: unknown): boolean {
    return this.resultChecks.get(type)!(result);
  }

  /** Whether a body matches its request type's schema (clients check what they are about to send). */
  checkBody(type: RequestType, body: unknown): boolean {
    return this.bodyChecks.get(type)!(body);
  }
}

function readId(value: unknown): number {
  if (typeof value !== "object" || value === null) return 0;
  const id = (value as { id?: unknown }).id;
  return typeof id === "number" && Number.isInteger(id) && id >= 1 && id <= 2 ** 31 - 1 ? id : 0;
}
