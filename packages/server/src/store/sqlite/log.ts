import type { Database } from "better-sqlite3";
import type { SystemEvent } from "@parley/protocol";
import type { StoredEntry } from "../Store.js";
import { systemEntry, toStoredEntry, type ConversationRow, type EntryRow, type NewEntry } from "../rows.js";
import { sql } from "./statements.js";

/** The conversation log: appending entries (inside the caller's transaction) and reading them back. */

export function selectConversation(db: Database, conversationId: string): ConversationRow | undefined {
  return sql(db, "SELECT * FROM conversations WHERE conversation_id = ?").get(conversationId) as
    | ConversationRow
    | undefined;
}

/** Appends one entry at last_seq + 1 and advances last_seq; returns the new seq. Call inside a transaction. */
export function appendEntry(db: Database, conversationId: string, lastSeq: number, e: NewEntry): number {
  const seq = lastSeq + 1;
  insertEntry(db, conversationId, seq, e);
  sql(db, "UPDATE conversations SET last_seq = ? WHERE conversation_id = ?").run(seq, conversationId);
  return seq;
}

/** Writes the entry at `seq`, which the caller has already taken as the conversation's last_seq. */
export function insertEntry(db: Database, conversationId: string, seq: number, e: NewEntry): void {
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
}

/** Appends a server-made membership fact at the conversation's current epoch. */
export function appendSystemEntry(db: Database, conv: ConversationRow, now: number, event: SystemEvent): number {
  return appendEntry(db, conv.conversation_id, conv.last_seq, systemEntry(conv.epoch, now, event));
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
