import type pg from "pg";
import type { DeliveryState, WelcomeRecord } from "../Store.js";
import { first, rows, transaction, type Queryable } from "./db.js";
import { STATE_COLUMNS, toState, toWelcome, type StateRow, type WelcomeRow } from "../rows.js";

/** Per-device delivery: cursors over conversation logs, and the device's own Welcome queue. */
export class PostgresDelivery {
  constructor(private readonly pool: pg.Pool) {}

  async listStates(deviceId: string): Promise<DeliveryState[]> {
    const list = await rows<StateRow>(
      this.pool,
      `SELECT ${STATE_COLUMNS} FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id
       WHERE m.device_id = $1 AND (m.removed_seq IS NULL OR m.cursor < m.removed_seq)
       ORDER BY m.conversation_id`,
      [deviceId],
    );
    return list.map(toState);
  }

  async getState(conversationId: string, deviceId: string, q: Queryable = this.pool, lock = false): Promise<DeliveryState | null> {
    const r = await first<StateRow>(
      q,
      `SELECT ${STATE_COLUMNS} FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id
       WHERE m.conversation_id = $1 AND m.device_id = $2${lock ? " FOR UPDATE OF m" : ""}`,
      [conversationId, deviceId],
    );
    return r ? toState(r) : null;
  }

  ack(conversationId: string, deviceId: string, seq: number): Promise<{ kind: "ok"; cursor: number } | { kind: "notMember" }> {
    return transaction(this.pool, async (c) => {
      // The member row lock orders acks of the same device arriving at two instances.
      const state = await this.getState(conversationId, deviceId, c, true);
      if (!state) return { kind: "notMember" as const };
      const limit = state.removedSeq ?? state.lastSeq;
      const target = Math.min(seq, limit);
      // Pass on over the device's own entries that follow: they are never delivered to it.
      const next = await first<{ seq: number | null }>(
        c,
        `SELECT MIN(seq) AS seq FROM entries WHERE conversation_id = $1 AND seq > $2 AND seq <= $3
         AND (sender_device IS NULL OR sender_device <> $4)`,
        [conversationId, target, limit, deviceId],
      );
      const nextSeq = next?.seq ?? null;
      const reach = target >= state.cursor ? (nextSeq === null ? limit : nextSeq - 1) : state.cursor;
      const cursor = Math.max(state.cursor, reach);
      if (cursor !== state.cursor) {
        await c.query("UPDATE members SET cursor = $1 WHERE conversation_id = $2 AND device_id = $3", [
          cursor,
          conversationId,
          deviceId,
        ]);
      }
      return { kind: "ok" as const, cursor };
    });
  }

  /** One statement, so it needs no transaction; `cursor < $1` keeps racing instances from moving it back. */
  async advance(conversationId: string, deviceId: string, cursor: number): Promise<void> {
    await this.pool.query(
      "UPDATE members SET cursor = $1 WHERE conversation_id = $2 AND device_id = $3 AND cursor < $1",
      [cursor, conversationId, deviceId],
    );
  }

  async countPending(deviceId: string): Promise<{ entries: number; welcomes: number }> {
    const e = await first<{ n: number }>(
      this.pool,
      `SELECT COUNT(*) AS n FROM members m
       JOIN conversations c ON c.conversation_id = m.conversation_id
       JOIN entries e ON e.conversation_id = m.conversation_id
         AND e.seq > m.cursor AND e.seq <= COALESCE(m.removed_seq, c.last_seq)
       WHERE m.device_id = $1 AND (e.sender_device IS NULL OR e.sender_device <> $1)`,
      [deviceId],
    );
    const w = await first<{ n: number }>(this.pool, "SELECT COUNT(*) AS n FROM welcomes WHERE device_id = $1", [deviceId]);
    return { entries: e?.n ?? 0, welcomes: w?.n ?? 0 };
  }

  async readWelcomes(deviceId: string, afterSeq: number, limit: number): Promise<WelcomeRecord[]> {
    const list = await rows<WelcomeRow>(
      this.pool,
      "SELECT * FROM welcomes WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
      [deviceId, afterSeq, limit],
    );
    return list.map(toWelcome);
  }

  async ackWelcomes(deviceId: string, seq: number): Promise<void> {
    await this.pool.query("DELETE FROM welcomes WHERE device_id = $1 AND seq <= $2", [deviceId, seq]);
  }
}
