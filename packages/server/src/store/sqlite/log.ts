import type { Database } from "better-sqlite3";
import type { LogEntry, SystemEvent } from "@parley/protocol";
import type { ConversationKind, ConversationRecord, StoredEntry } from "../Store.js";
import { sql } from "./statements.js";

/** The conversation log: appending entries (inside the caller's transaction) and reading them back. */

export interface ConversationRow {
  conversation_id: string;
  kind: ConversationKind;
  name: string;
  epoch: number;
  last_seq: number;
  swept_seq: number;
  created_at: number;
  group_info: string | null;
  direct_users: string | null;
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

export function selectConversation(db: Database, conversationId: string): ConversationRow | undefined {
  return sql(db, "SELECT * FROM conversations WHERE conversation_id = ?").get(conversationId) as
    | ConversationRow
    | undefined;
}

interface EntryRow {
  seq: number;
  kind: LogEntry["kind"];
  epoch: number;
  message_id: string | null;
  sender_username: string | null;
  sender_device: string | null;
  sent_at: number;
  data: string | null;
  meta: string | null;
}

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

/** Appends one entry at last_seq + 1 and advances last_seq; returns the new seq. Call inside a transaction. */
export function appendEntry(db: Database, conversationId: string, lastSeq: number, e: NewEntry): number {
  const seq = lastSeq + 1;
  sql(
    db,
    `INSERT INTO entries (conversation_id, seq, kind, epoch, message_id, sender_username, sender_device, sent_at, data, meta)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    conversationId,
    seq,
    e.kind,
    e.epoch,
    e.messageId,
    e.senderUsername,
    e.senderDevice,
    e.sentAt,
    e.data,
    e.meta === null ? null : JSON.stringify(e.meta),
  );
  sql(db, "UPDATE conversations SET last_seq = ? WHERE conversation_id = ?").run(seq, conversationId);
  return seq;
}

/** Appends a server-made membership fact at the conversation's current epoch. */
export function appendSystemEntry(db: Database, conv: ConversationRow, now: number, event: SystemEvent): number {
  return appendEntry(db, conv.conversation_id, conv.last_seq, {
    kind: "system",
    epoch: conv.epoch,
    messageId: null,
    senderUsername: null,
    senderDevice: null,
    sentAt: now,
    data: null,
    meta: event,
  });
}

export function readEntries(
  db: Database,
  conversationId: string,
  afterSeq: number,
  uptoSeq: number,
  limit: number,
): StoredEntry[] {
  const rows = sql(
    db,
    "SELECT * FROM entries WHERE conversation_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
  ).all(conversationId, afterSeq, uptoSeq, limit) as EntryRow[];
  return rows.map(toStoredEntry);
}

function toStoredEntry(r: EntryRow): StoredEntry {
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
