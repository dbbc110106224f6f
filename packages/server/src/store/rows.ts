import type { LogEntry, SystemEvent } from "@parley/protocol";
import type {
  ConversationKind,
  ConversationRecord,
  DeliveryState,
  DeviceRecord,
  MemberRecord,
  SessionRecord,
  StoredEntry,
  UserRecord,
  WelcomeRecord,
} from "./Store.js";

/**
 * The rows both SQL stores read, and how they become Store records. SQLite and PostgreSQL share
 * one schema (column names and meanings; see each store's migrations), so they share this too.
 */

export interface UserRow {
  username: string;
  opaque_record: string;
  identity_key: string;
  backup: string;
  created_at: number;
}

export function toUser(r: UserRow): UserRecord {
  return { username: r.username, opaqueRecord: r.opaque_record, identityKey: r.identity_key, backup: r.backup, createdAt: r.created_at };
}

export interface SessionRow {
  token_hash: Buffer;
  username: string;
  device_id: string | null;
  created_at: number;
  expires_at: number;
}

export function toSession(r: SessionRow): SessionRecord {
  return {
    tokenHash: new Uint8Array(r.token_hash),
    username: r.username,
    deviceId: r.device_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

export interface DeviceRow {
  device_id: string;
  username: string;
  name: string;
  credential: string;
  signature_key: string;
  created_at: number;
  revoked_at: number | null;
}

export function toDevice(r: DeviceRow): DeviceRecord {
  return {
    deviceId: r.device_id,
    username: r.username,
    name: r.name,
    credential: r.credential,
    signatureKey: r.signature_key,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

export interface ConversationRow {
  conversation_id: string;
  kind: ConversationKind;
  name: string;
  epoch: number;
  last_seq: number;
  swept_seq: number;
  created_at: number;
  /** Direct conversations: the two usernames, sorted, joined by a newline. */
  direct_users: string | null;
  /** The same while this is the live direct conversation between them (cleared when one leaves). */
  direct_key: string | null;
}

export function toConversation(r: ConversationRow): ConversationRecord {
  return {
    conversationId: r.conversation_id,
    kind: r.kind,
    name: r.name,
    epoch: r.epoch,
    lastSeq: r.last_seq,
    createdAt: r.created_at,
    directUsers: r.direct_users === null ? [] : r.direct_users.split("\n"),
  };
}

export interface MemberRow {
  conversation_id: string;
  device_id: string;
  username: string;
  joined_seq: number;
}

export function toMember(r: MemberRow): MemberRecord {
  return { conversationId: r.conversation_id, deviceId: r.device_id, username: r.username, joinedSeq: r.joined_seq };
}

export interface EntryRow {
  seq: number;
  kind: LogEntry["kind"];
  epoch: number;
  message_id: string | null;
  sender_username: string | null;
  sender_device: string | null;
  sent_at: number;
  data: string | null;
  /** commit: {"add","remove","external"}; system: the system event (JSON). */
  meta: string | null;
}

export function toStoredEntry(r: EntryRow): StoredEntry {
  const base = { seq: r.seq, epoch: r.epoch, sentAt: r.sent_at };
  if (r.kind === "system") {
    return { entry: { kind: "system", ...base, system: JSON.parse(r.meta ?? "null") as SystemEvent }, senderDeviceId: null };
  }
  const sender = { username: r.sender_username ?? "", deviceId: r.sender_device ?? "" };
  const common = { ...base, messageId: r.message_id ?? "", sender, data: r.data ?? "" };
  if (r.kind === "application") {
    return { entry: { kind: "application", ...common }, senderDeviceId: r.sender_device };
  }
  const meta = JSON.parse(r.meta ?? "{}") as { add: string[]; remove: string[]; external: boolean };
  return {
    entry: { kind: "commit", ...common, add: meta.add, remove: meta.remove, external: meta.external },
    senderDeviceId: r.sender_device,
  };
}

/** An entry to append, before it has a seq. */
export interface NewEntry {
  kind: LogEntry["kind"];
  epoch: number;
  messageId: string | null;
  senderUsername: string | null;
  senderDevice: string | null;
  sentAt: number;
  data: string | null;
  meta: unknown;
}

/** A server-made membership fact, as an entry at the conversation's current epoch. */
export function systemEntry(epoch: number, now: number, event: SystemEvent): NewEntry {
  return { kind: "system", epoch, messageId: null, senderUsername: null, senderDevice: null, sentAt: now, data: null, meta: event };
}

export interface StateRow {
  conversation_id: string;
  cursor: number;
  joined_seq: number;
  removed_seq: number | null;
  last_seq: number;
}

/** The columns a StateRow is selected with (members m joined with conversations c). */
export const STATE_COLUMNS = "m.conversation_id, m.cursor, m.joined_seq, m.removed_seq, c.last_seq";

export function toState(r: StateRow): DeliveryState {
  return {
    conversationId: r.conversation_id,
    cursor: r.cursor,
    joinedSeq: r.joined_seq,
    removedSeq: r.removed_seq,
    lastSeq: r.last_seq,
  };
}

export interface WelcomeRow {
  seq: number;
  conversation_id: string;
  commit_seq: number;
  epoch: number;
  sender_username: string;
  sender_device: string;
  sent_at: number;
  data: string;
}

export function toWelcome(r: WelcomeRow): WelcomeRecord {
  return {
    seq: r.seq,
    conversationId: r.conversation_id,
    commitSeq: r.commit_seq,
    epoch: r.epoch,
    sender: { username: r.sender_username, deviceId: r.sender_device },
    sentAt: r.sent_at,
    data: r.data,
  };
}
