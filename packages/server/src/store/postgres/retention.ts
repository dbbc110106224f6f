import type pg from "pg";
import type { SweepResult } from "../Store.js";
import { changes, first, rows, transaction } from "./db.js";

/** Held while one instance sweeps: the others skip their turn instead of queueing behind it. */
const SWEEP_LOCK = 0x73776570; // "swep"

/**
 * Deletes what no one needs any more, as the SQLite store does: log entries every current member
 * has acked, anything past the retention period, expired sessions, and memberships whose removal
 * has been delivered. Every instance runs the sweep on its timer; one at a time does the work.
 */
export function sweep(pool: pg.Pool, now: number, retentionMs: number): Promise<SweepResult> {
  const cutoff = now - retentionMs;
  return transaction(pool, async (c): Promise<SweepResult> => {
    const got = await first<{ ok: boolean }>(c, "SELECT pg_try_advisory_xact_lock($1) AS ok", [SWEEP_LOCK]);
    if (!got?.ok) return { entries: 0, welcomes: 0, sessions: 0 };
    let entries = 0;
    const floors = await rows<{ conversation_id: string; swept_seq: number; floor: number }>(
      c,
      `SELECT c.conversation_id, c.swept_seq, COALESCE(MIN(m.cursor), c.last_seq) AS floor
       FROM conversations c
       LEFT JOIN members m ON m.conversation_id = c.conversation_id AND m.removed_seq IS NULL
       GROUP BY c.conversation_id ORDER BY c.conversation_id`,
    );
    for (const f of floors) {
      if (f.floor <= f.swept_seq) continue;
      entries += await changes(c, "DELETE FROM entries WHERE conversation_id = $1 AND seq <= $2", [f.conversation_id, f.floor]);
      await c.query("UPDATE conversations SET swept_seq = GREATEST(swept_seq, $1) WHERE conversation_id = $2", [
        f.floor,
        f.conversation_id,
      ]);
    }
    entries += await changes(c, "DELETE FROM entries WHERE sent_at < $1", [cutoff]);
    await c.query("DELETE FROM message_ids WHERE created_at < $1", [cutoff]);
    const welcomes = await changes(c, "DELETE FROM welcomes WHERE sent_at < $1", [cutoff]);
    const sessions = await changes(c, "DELETE FROM sessions WHERE expires_at <= $1", [now]);
    await c.query(
      `DELETE FROM members WHERE removed_seq IS NOT NULL AND (cursor >= removed_seq OR removed_at < $1
         OR device_id IN (SELECT device_id FROM devices WHERE revoked_at IS NOT NULL))`,
      [cutoff],
    );
    return { entries, welcomes, sessions };
  });
}
