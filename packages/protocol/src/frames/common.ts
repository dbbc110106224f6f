import { Type } from "@sinclair/typebox";
import { base64Length } from "../base64.js";
import { ID_PATTERN, MESSAGE_ID_PATTERN, USERNAME_PATTERN } from "../limits.js";

/** Standard base64 bytes of at most `maxBytes` (decoded). */
export const Bytes = (maxBytes: number, minBytes = 1) =>
  Type.String({
    pattern: "^[A-Za-z0-9+/]*={0,2}$",
    maxLength: base64Length(maxBytes),
    minLength: base64Length(minBytes),
  });

/** OPAQUE messages as @serenity-kit/opaque emits them: unpadded base64url. */
export const OpaqueMessage = Type.String({ pattern: "^[A-Za-z0-9_-]+$", minLength: 16, maxLength: 2048 });

export const UsernameSchema = Type.String({ pattern: USERNAME_PATTERN });
export const DeviceIdSchema = Type.String({ pattern: ID_PATTERN });
export const ConversationIdSchema = Type.String({ pattern: ID_PATTERN });
export const MessageIdSchema = Type.String({ pattern: MESSAGE_ID_PATTERN });
/** A session token: 32 random bytes, base64url. */
export const SessionToken = Type.String({ pattern: "^[A-Za-z0-9_-]{43}$" });
export const Epoch = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** Milliseconds since the Unix epoch. */
export const Timestamp = Type.Integer({ minimum: 0 });
/** An Ed25519 public key: 32 bytes. */
export const PublicKey32 = Bytes(32, 32);
export const DeviceName = Type.String({ minLength: 1, maxLength: 64 });

export const Empty = Type.Object({}, { additionalProperties: false });
