import type pg from "pg";
import type { SystemEvent } from "@parley/protocol";
import { systemEntry, type ConversationRow, type NewEntry } from "../rows.js";
import { first, type Queryable } from "./db.js";

/** The conversation log: appending entries inside the caller's transaction (reads: entryReads.ts). */

/**
 * A conversation row's columns without its GroupInfo (up to a few hundred KB in a big group), which
 * only getGroupInfo needs: `SELECT *` sent it to this process for every commit and listing.
 */
export const CONVERSATION_COLUMNS = "conversation_id, kind, name, epoch, last_seq, swept_seq, created_at, direct_users, direct_key";

export function selectConversation(q: Queryable, conversationId: string): Promise<ConversationRow | undefined> {
  return first<ConversationRow>(q, `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE conversation_id = $1`, [conversationId]);
}

/**
 * The conversation row, locked until the transaction ends. Every append takes this lock first, so
 * appends to one conversation, from any instance, run one after another: seqs stay strictly
 * increasing and gap-free, and each commits in seq order.
 */
export function lockConversation(c: pg.PoolClient, conversationId: string): Promise<ConversationRow | undefined> {
  return first<ConversationRow>(c, `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE conversation_id = $1 FOR UPDATE`, [
    conversationId,
  ]);
}

/**
 * Appends one entry at last_seq + 1 and advances last_seq; returns the new seq. Call inside a
 * transaction that holds lockConversation, and pass the row it returned (updated in place).
 */
export async function appendEntry(c: pg.PoolClient, conv: ConversationRow, e: NewEntry): Promise<number> {
  const seq = conv.last_seq + 1;
  await c.query(
    `INSERT INTO entries (conversation_id, seq, kind, epoch, message_id, sender_username, sender_device, sent_at, data, meta)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      conv.conversation_id,
      seq,
      e.kind,
      e.epoch,
      e.messageId,
      e.senderUsername,
      e.senderDevice,
      e.sentAt,
      e.data,
      e.meta === null ? null : JSON.stringify(e.meta),
    ],
  );
  await c.query("UPDATE conversations SET last_seq = $1 WHERE conversation_id = $2", [seq, conv.conversation_id]);
  conv.last_seq = seq;
  return seq;
}

/** Appends a server-made membership fact at the conversation's current epoch. */
export function appendSystemEntry(c: pg.PoolClient, conv: ConversationRow, now: number, event: SystemEvent): Promise<number> {
  return appendEntry(c, conv, systemEntry(conv.epoch, now, event));
}
