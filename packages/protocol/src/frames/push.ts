import { Type, type Static } from "@sinclair/typebox";
import type { Limits } from "../limits.js";
import {
  Bytes,
  ConversationIdSchema,
  DeviceIdSchema,
  Epoch,
  MessageIdSchema,
  Seq,
  Timestamp,
  UsernameSchema as Username,
} from "./common.js";

const strict = { additionalProperties: false } as const;

/** Frames the server sends without being asked. Clients validate these too. */
export function pushSchemas(l: Limits) {
  const Sender = Type.Object({ username: Username, deviceId: DeviceIdSchema }, strict);
  /**
   * Membership facts the server itself knows and records in a conversation's log, so that members
   * can act on them (for example, commit the removal of a revoked device's leaf).
   */
  const SystemEvent = Type.Union([
    Type.Object(
      { event: Type.Literal("left"), username: Username, deviceIds: Type.Array(DeviceIdSchema) },
      strict,
    ),
    Type.Object(
      { event: Type.Literal("revoked"), username: Username, deviceIds: Type.Array(DeviceIdSchema) },
      strict,
    ),
  ]);
  const LogEntry = Type.Union([
    Type.Object(
      {
        kind: Type.Literal("application"),
        seq: Seq,
        epoch: Epoch,
        messageId: MessageIdSchema,
        sender: Sender,
        sentAt: Timestamp,
        data: Bytes(l.maxMessageBytes),
      },
      strict,
    ),
    Type.Object(
      {
        kind: Type.Literal("commit"),
        seq: Seq,
        epoch: Epoch,
        messageId: MessageIdSchema,
        sender: Sender,
        sentAt: Timestamp,
        data: Bytes(l.maxHandshakeBytes),
        add: Type.Array(DeviceIdSchema),
        remove: Type.Array(DeviceIdSchema),
        external: Type.Boolean(),
      },
      strict,
    ),
    Type.Object(
      {
        kind: Type.Literal("system"),
        seq: Seq,
        epoch: Epoch,
        sentAt: Timestamp,
        system: SystemEvent,
      },
      strict,
    ),
  ]);
  return {
    /** New entries of one conversation's log, in sequence order, for the receiving device. */
    deliver: Type.Object(
      {
        type: Type.Literal("deliver"),
        conversationId: ConversationIdSchema,
        entries: Type.Array(LogEntry, { maxItems: l.maxDeliverBatch }),
      },
      strict,
    ),
    /** A Welcome addressed to this device (from its own queue), to join a conversation. */
    welcome: Type.Object(
      {
        type: Type.Literal("welcome"),
        seq: Seq,
        conversationId: ConversationIdSchema,
        /** The log sequence number of the commit that added this device. */
        commitSeq: Seq,
        epoch: Epoch,
        sender: Sender,
        sentAt: Timestamp,
        data: Bytes(l.maxHandshakeBytes),
      },
      strict,
    ),
  };
}

export type PushSchemas = ReturnType<typeof pushSchemas>;
export type DeliverFrame = Static<PushSchemas["deliver"]>;
export type WelcomeFrame = Static<PushSchemas["welcome"]>;
export type LogEntry = DeliverFrame["entries"][number];
export type SystemEvent = Extract<LogEntry, { kind: "system" }>["system"];
export type PushFrame = DeliverFrame | WelcomeFrame;
