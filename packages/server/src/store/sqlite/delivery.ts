import type { Database, Transaction } from "better-sqlite3";
import type { DeliveryState, WelcomeRecord } from "../Store.js";
import { sql } from "./statements.js";
import { STATE_COLUMNS, toState, toWelcome, type StateRow, type WelcomeRow } from "../rows.js";

type AckOutcome = { kind: "ok"; cursor: number } | { kind: "notMember" };

/** Per-device delivery: cursors over conversation logs, and the device's own Welcome queue. */
export class SqliteDelivery {
  /** Built once (see SqliteConversations.appendApplicationTx). */
  private readonly ackTx: Transaction<(conversationId: string, deviceId: string, seq: number) => AckOutcome>;

  constructor(private readonly db: Database) {
    this.ackTx = db.transaction((conversationId: string, deviceId: string, seq: number) => this.ackStep(conversationId, deviceId, seq));
  }

  listStates(deviceId: string): DeliveryState[] {
    const rows = sql(
      this.db,
      `SELECT ${STATE_COLUMNS} FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id
       WHERE m.device_id = ? AND (m.removed_seq IS NULL OR m.cursor < m.removed_seq)
       ORDER BY m.conversation_id`,
    ).all(deviceId) as StateRow[];
    return rows.map(toState);
  }

  getState(conversationId: string, deviceId: string): DeliveryState | null {
    const r = sql(
      this.db,
      `SELECT ${STATE_COLUMNS} FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id
       WHERE m.conversation_id = ? AND m.device_id = ?`,
    ).get(conversationId, deviceId) as StateRow | undefined;
    return r ? toState(r) : null;
  }

  ack(conversationId: string, deviceId: string, seq: number): AckOutcome {
    return this.ackTx.immediate(conversationId, deviceId, seq);
  }

  private ackStep(conversationId: string, deviceId: string, seq: number): AckOutcome {
    const db = this.db;
    const state = this.getState(conversationId, deviceId);
    if (!state) return { kind: "notMember" as const };
    const limit = state.removedSeq ?? state.lastSeq;
    const target = Math.min(seq, limit);
    // Pass on over the device's own entries that follow: they are never delivered to it.
    const next = sql(
      db,
      `SELECT MIN(seq) AS seq FROM entries WHERE conversation_id = ? AND seq > ? AND seq <= ?
       AND (sender_device IS NULL OR sender_device <> ?)`,
    ).get(conversationId, target, limit, deviceId) as { seq: number | null };
    const reach = target >= state.cursor ? (next.seq === null ? limit : next.seq - 1) : state.cursor;
    const cursor = Math.max(state.cursor, reach);
    if (cursor !== state.cursor) {
      sql(db, "UPDATE members SET cursor = ? WHERE conversation_id = ? AND device_id = ?").run(
        cursor,
        conversationId,
        deviceId,
      );
    }
    return { kind: "ok" as const, cursor };
  }

  countPending(deviceId: string): { entries: number; welcomes: number } {
    const e = sql(
      this.db,
      `SELECT COUNT(*) AS n FROM members m
       JOIN conversations c ON c.conversation_id = m.conversation_id
       JOIN entries e ON e.conversation_id = m.conversation_id
         AND e.seq > m.cursor AND e.seq <= COALESCE(m.removed_seq, c.last_seq)
       WHERE m.device_id = ? AND (e.sender_device IS NULL OR e.sender_device <> ?)`,
    ).get(deviceId, deviceId) as { n: number };
    const w = sql(this.db, "SELECT COUNT(*) AS n FROM welcomes WHERE device_id = ?").get(deviceId) as { n: number };
    return { entries: e.n, welcomes: w.n };
  }

  readWelcomes(deviceId: string, afterSeq: number, limit: number): WelcomeRecord[] {
    const rows = sql(
      this.db,
      "SELECT * FROM welcomes WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    ).all(deviceId, afterSeq, limit) as WelcomeRow[];
    return rows.map(toWelcome);
  }

  ackWelcomes(deviceId: string, seq: number): void {
    sql(this.db, "DELETE FROM welcomes WHERE device_id = ? AND seq <= ?").run(deviceId, seq);
  }
}
