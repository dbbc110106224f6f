import type pg from "pg";
import type { DeliveryState, WelcomeRecord } from "../Store.js";
import { first, retrying, rows } from "./db.js";
import { TurnBatcher } from "./turnBatcher.js";
import { STATE_COLUMNS, toState, toWelcome, type StateRow, type WelcomeRow } from "../rows.js";

interface AckItem {
  conversationId: string;
  deviceId: string;
  seq: number;
}

/** Per-device delivery: cursors over conversation logs, and the device's own Welcome queue. */
export class PostgresDelivery {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * A connection's Pusher lists its device's conversations when it starts: the lists asked for in
   * one event-loop turn (a wave of reconnecting clients) are read by one query.
   */
  listStates(deviceId: string): Promise<DeliveryState[]> {
    return this.stateLists.add(deviceId);
  }

  private readonly stateLists = new TurnBatcher<string, DeliveryState[]>(async (deviceIds) => {
    const distinct = [...new Set(deviceIds)];
    const list = await rows<StateRow & { device_id: string }>(
      this.pool,
      `SELECT m.device_id, ${STATE_COLUMNS} FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id
       WHERE m.device_id = ANY($1::text[]) AND (m.removed_seq IS NULL OR m.cursor < m.removed_seq)
       ORDER BY m.device_id, m.conversation_id`,
      [distinct],
    );
    const byDevice = new Map<string, StateRow[]>();
    for (const r of list) {
      let l = byDevice.get(r.device_id);
      if (l === undefined) byDevice.set(r.device_id, (l = []));
      l.push(r);
    }
    return deviceIds.map((id) => (byDevice.get(id) ?? []).map(toState));
  });

  /**
   * Reads of one event-loop turn go as one query: when an append reaches a busy room, every
   * member's pusher asks for its state in the same turn.
   */
  getState(conversationId: string, deviceId: string): Promise<DeliveryState | null> {
    return this.stateReads.add({ conversationId, deviceId });
  }

  private readonly stateReads = new TurnBatcher<{ conversationId: string; deviceId: string }, DeliveryState | null>(async (items) => {
    const list = await rows<StateRow & { i: number }>(
      this.pool,
      `SELECT a.i::int AS i, ${STATE_COLUMNS}
       FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS a(conversation_id, device_id, i)
       JOIN members m ON m.conversation_id = a.conversation_id AND m.device_id = a.device_id
       JOIN conversations c ON c.conversation_id = m.conversation_id`,
      [items.map((i) => i.conversationId), items.map((i) => i.deviceId)],
    );
    const results = new Array<DeliveryState | null>(items.length).fill(null);
    for (const r of list) results[r.i - 1] = toState(r);
    return results;
  });

  /**
   * Acks of one event-loop turn go to PostgreSQL as one statement (parley_ack_batch in
   * hotPathFunctions.ts), which locks each member row, applies the ack rule and commits; every
   * caller's promise settles after that commit.
   */
  ack(conversationId: string, deviceId: string, seq: number): Promise<{ kind: "ok"; cursor: number } | { kind: "notMember" }> {
    return this.acks.add({ conversationId, deviceId, seq });
  }

  private readonly acks = new TurnBatcher<AckItem, { kind: "ok"; cursor: number } | { kind: "notMember" }>(async (items) => {
    const list = await retrying(() =>
      rows<{ out_index: number; out_cursor: number | null }>(
        this.pool,
        "SELECT out_index, out_cursor FROM parley_ack_batch($1::text[], $2::text[], $3::bigint[])",
        [items.map((i) => i.conversationId), items.map((i) => i.deviceId), items.map((i) => i.seq)],
      ),
    );
    const results = new Array<{ kind: "ok"; cursor: number } | { kind: "notMember" }>(items.length);
    for (const r of list) results[r.out_index - 1] = r.out_cursor === null ? { kind: "notMember" } : { kind: "ok", cursor: r.out_cursor };
    return results;
  });

  /**
   * Moves a cursor forward without the ack rule's reads (the gateway checked the position). The
   * advances of one turn go as one statement: the highest per member row, rows locked in
   * (conversation, device) order like parley_ack_batch's so two instances cannot deadlock, and
   * `cursor < new` so a late or racing write never moves a cursor back.
   */
  advance(conversationId: string, deviceId: string, cursor: number): Promise<void> {
    return this.advances.add({ conversationId, deviceId, seq: cursor });
  }

  private readonly advances = new TurnBatcher<AckItem, void>(async (items) => {
    const highest = new Map<string, AckItem>();
    for (const item of items) {
      const key = `${item.conversationId}\u0000${item.deviceId}`;
      const seen = highest.get(key);
      if (!seen || seen.seq < item.seq) highest.set(key, item);
    }
    const list = [...highest.values()];
    await retrying(() =>
      this.pool.query(
        `UPDATE members m SET cursor = v.cursor
         FROM (SELECT l.conversation_id, l.device_id, a.cursor
               FROM unnest($1::text[], $2::text[], $3::bigint[]) AS a(conversation_id, device_id, cursor)
               JOIN members l ON l.conversation_id = a.conversation_id AND l.device_id = a.device_id
               ORDER BY l.conversation_id, l.device_id
               FOR UPDATE OF l) v
         WHERE m.conversation_id = v.conversation_id AND m.device_id = v.device_id AND m.cursor < v.cursor`,
        [list.map((i) => i.conversationId), list.map((i) => i.deviceId), list.map((i) => i.seq)],
      ),
    );
    return items.map(() => undefined);
  });

  async countPending(deviceId: string): Promise<{ entries: number; welcomes: number }> {
    // Both counts in one round trip.
    const r = await first<{ entries: number; welcomes: number }>(
      this.pool,
      `SELECT
         (SELECT COUNT(*) FROM members m
            JOIN conversations c ON c.conversation_id = m.conversation_id
            JOIN entries e ON e.conversation_id = m.conversation_id
              AND e.seq > m.cursor AND e.seq <= COALESCE(m.removed_seq, c.last_seq)
            WHERE m.device_id = $1 AND (e.sender_device IS NULL OR e.sender_device <> $1)) AS entries,
         (SELECT COUNT(*) FROM welcomes WHERE device_id = $1) AS welcomes`,
      [deviceId],
    );
    return { entries: r?.entries ?? 0, welcomes: r?.welcomes ?? 0 };
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
