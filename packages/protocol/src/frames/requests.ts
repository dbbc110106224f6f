import { Type, type Static, type TObject } from "@sinclair/typebox";
import type { Limits } from "../limits.js";
import {
  Bytes,
  ConversationIdSchema,
  DeviceIdSchema,
  DeviceName,
  Empty,
  Epoch,
  MessageIdSchema,
  OpaqueMessage,
  PublicKey32,
  Seq,
  SessionToken,
  Timestamp,
  UsernameSchema as Username,
} from "./common.js";

const strict = { additionalProperties: false } as const;

/** One request type: what it needs first, its body schema, and its result schema. */
function req<B extends TObject, R extends TObject>(auth: AuthLevel, body: B, result: R) {
  return { auth, body, result };
}

/**
 * Every request a client may send: its body schema and the schema of the server's result.
 * `auth` says what the connection needs first: nothing, a session, or a session bound to a device.
 */
export function requestSchemas(l: Limits) {
  const DeviceInfo = Type.Object(
    {
      deviceId: DeviceIdSchema,
      name: DeviceName,
      createdAt: Timestamp,
      revokedAt: Type.Union([Timestamp, Type.Null()]),
    },
    strict,
  );
  const PublicDevice = Type.Object(
    {
      deviceId: DeviceIdSchema,
      credential: Bytes(l.maxCredentialBytes),
      signatureKey: PublicKey32,
      createdAt: Timestamp,
    },
    strict,
  );
  const ConversationInfo = Type.Object(
    {
      conversationId: ConversationIdSchema,
      kind: Type.Union([Type.Literal("direct"), Type.Literal("group")]),
      name: Type.String({ maxLength: l.maxConversationNameLength }),
      epoch: Epoch,
      lastSeq: Seq,
      createdAt: Timestamp,
      /** Whether the calling device is itself a member (false: its user is, but it has yet to join). */
      joined: Type.Boolean(),
      members: Type.Array(
        Type.Object({ username: Username, deviceIds: Type.Array(DeviceIdSchema) }, strict),
      ),
    },
    strict,
  );
  const SessionResult = Type.Object(
    {
      token: SessionToken,
      expiresAt: Timestamp,
      username: Username,
      identityKey: PublicKey32,
      backup: Bytes(l.maxBackupBytes),
      deviceId: Type.Union([DeviceIdSchema, Type.Null()]),
    },
    strict,
  );
  const CommitResult = Type.Object({ seq: Seq, epoch: Epoch }, strict);

  return {
    // --- accounts (no session needed) -------------------------------------------------------
    "register.start": req("none", Type.Object({ username: Username, request: OpaqueMessage }, strict),
      Type.Object({ response: OpaqueMessage }, strict),
    ),
    "register.finish": req("none", Type.Object(
        {
          username: Username,
          record: OpaqueMessage,
          identityKey: PublicKey32,
          backup: Bytes(l.maxBackupBytes),
        },
        strict,
      ),
      Empty,
    ),
    "login.start": req("none", Type.Object({ username: Username, request: OpaqueMessage }, strict),
      Type.Object({ response: OpaqueMessage }, strict),
    ),
    "login.finish": req("none", Type.Object(
        { request: OpaqueMessage, deviceId: Type.Optional(DeviceIdSchema) },
        strict,
      ),
      SessionResult,
    ),
    "session.resume": req("none", Type.Object({ token: SessionToken }, strict),
      Type.Object(
        { username: Username, deviceId: Type.Union([DeviceIdSchema, Type.Null()]), expiresAt: Timestamp },
        strict,
      ),
    ),
    // --- session and devices -------------------------------------------------------------
    "session.logout": req("session", Empty, Empty),
    "device.register": req("session", Type.Object(
        {
          deviceId: DeviceIdSchema,
          name: DeviceName,
          credential: Bytes(l.maxCredentialBytes),
          signatureKey: PublicKey32,
        },
        strict,
      ),
      Empty,
    ),
    "device.list": req("session", Empty,
      Type.Object({ devices: Type.Array(DeviceInfo) }, strict),
    ),
    "device.revoke": req("session", Type.Object({ deviceId: DeviceIdSchema }, strict),
      Empty,
    ),
    "user.lookup": req("session", Type.Object({ username: Username }, strict),
      Type.Object(
        { username: Username, identityKey: PublicKey32, devices: Type.Array(PublicDevice) },
        strict,
      ),
    ),
    // --- key packages (device sessions) ----------------------------------------------------
    "keyPackages.upload": req("device", Type.Object(
        {
          keyPackages: Type.Array(Bytes(l.maxKeyPackageBytes), { maxItems: l.maxKeyPackagesPerDevice }),
          lastResort: Type.Optional(Bytes(l.maxKeyPackageBytes)),
        },
        strict,
      ),
      Type.Object({ oneTime: Type.Integer(), lastResort: Type.Boolean() }, strict),
    ),
    "keyPackages.count": req("device", Empty,
      Type.Object({ oneTime: Type.Integer(), lastResort: Type.Boolean() }, strict),
    ),
    "keyPackages.claim": req("device", Type.Object({ username: Username }, strict),
      Type.Object(
        {
          keyPackages: Type.Array(
            Type.Object({ deviceId: DeviceIdSchema, keyPackage: Bytes(l.maxKeyPackageBytes) }, strict),
          ),
        },
        strict,
      ),
    ),
    // --- conversations (the MLS delivery service) -------------------------------------------
    "conversation.create": req("device", Type.Object(
        {
          conversationId: ConversationIdSchema,
          kind: Type.Union([Type.Literal("direct"), Type.Literal("group")]),
          name: Type.Optional(Type.String({ maxLength: l.maxConversationNameLength })),
          peer: Type.Optional(Username),
          /** The creator's GroupInfo at epoch 0, so its other devices can join externally at once. */
          groupInfo: Type.Optional(Bytes(l.maxHandshakeBytes)),
        },
        strict,
      ),
      Type.Object({ conversation: ConversationInfo }, strict),
    ),
    "conversation.list": req("device", Empty,
      Type.Object({ conversations: Type.Array(ConversationInfo) }, strict),
    ),
    "conversation.get": req("device", Type.Object({ conversationId: ConversationIdSchema }, strict),
      Type.Object({ conversation: ConversationInfo }, strict),
    ),
    "conversation.commit": req("device", Type.Object(
        {
          conversationId: ConversationIdSchema,
          epoch: Epoch,
          messageId: MessageIdSchema,
          commit: Bytes(l.maxHandshakeBytes),
          groupInfo: Bytes(l.maxHandshakeBytes),
          welcome: Type.Optional(Bytes(l.maxHandshakeBytes)),
          add: Type.Array(DeviceIdSchema, { maxItems: l.maxDevicesPerCommit }),
          remove: Type.Array(DeviceIdSchema, { maxItems: l.maxDevicesPerCommit }),
        },
        strict,
      ),
      CommitResult,
    ),
    "conversation.externalJoin": req("device", Type.Object(
        {
          conversationId: ConversationIdSchema,
          epoch: Epoch,
          messageId: MessageIdSchema,
          commit: Bytes(l.maxHandshakeBytes),
          groupInfo: Bytes(l.maxHandshakeBytes),
        },
        strict,
      ),
      CommitResult,
    ),
    "conversation.groupInfo": req("device", Type.Object({ conversationId: ConversationIdSchema }, strict),
      Type.Object({ epoch: Epoch, groupInfo: Bytes(l.maxHandshakeBytes) }, strict),
    ),
    "conversation.leave": req("device", Type.Object({ conversationId: ConversationIdSchema }, strict),
      Empty,
    ),
    // --- messages and delivery ---------------------------------------------------------------
    "message.send": req("device", Type.Object(
        {
          conversationId: ConversationIdSchema,
          epoch: Epoch,
          messageId: MessageIdSchema,
          ciphertext: Bytes(l.maxMessageBytes),
        },
        strict,
      ),
      Type.Object({ seq: Seq, duplicate: Type.Boolean() }, strict),
    ),
    "delivery.ack": req("device", Type.Object({ conversationId: ConversationIdSchema, seq: Seq }, strict),
      Empty,
    ),
    /**
     * What is still waiting for this device: log entries past its cursors that it did not send
     * itself, and queued Welcomes. A client that has processed and acked everything sees zeros;
     * `parley read` uses it to know when it has caught up.
     */
    "delivery.pending": req("device", Empty,
      Type.Object({ entries: Type.Integer({ minimum: 0 }), welcomes: Type.Integer({ minimum: 0 }) }, strict),
    ),
    "welcome.ack": req("device", Type.Object({ seq: Seq }, strict),
      Empty,
    ),
  };
}

export type AuthLevel = "none" | "session" | "device";
export type RequestSchemas = ReturnType<typeof requestSchemas>;
export type RequestType = keyof RequestSchemas;
export type RequestBody<T extends RequestType> = Static<RequestSchemas[T]["body"]>;
export type RequestResult<T extends RequestType> = Static<RequestSchemas[T]["result"]>;
export type ConversationInfo = RequestResult<"conversation.get">["conversation"];
export type DeviceInfo = RequestResult<"device.list">["devices"][number];
export type PublicDevice = RequestResult<"user.lookup">["devices"][number];
export type SessionInfo = RequestResult<"login.finish">;
