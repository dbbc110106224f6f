import type { Database } from "better-sqlite3";
import type { SweepResult } from "../Store.js";
import { sql } from "./statements.js";

/**
 * Deletes what no one needs any more: log entries every current member has acked, anything past
 * the retention period, expired sessions, and memberships whose removal has been delivered. The
 * latest GroupInfo (table group_infos, one row per conversation) is never swept.
 */
export function sweep(db: Database, now: number, retentionMs: number): SweepResult {
  const cutoff = now - retentionMs;
  return db
    .transaction((): SweepResult => {
      let entries = 0;
      const floors = sql(
        db,
        `SELECT c.conversation_id, c.swept_seq, COALESCE(MIN(m.cursor), c.last_seq) AS floor
         FROM conversations c
         LEFT JOIN members m ON m.conversation_id = c.conversation_id AND m.removed_seq IS NULL
         GROUP BY c.conversation_id`,
      ).all() as { conversation_id: string; swept_seq: number; floor: number }[];
      for (const f of floors) {
        if (f.floor <= f.swept_seq) continue;
        entries += sql(db, "DELETE FROM entries WHERE conversation_id = ? AND seq <= ?").run(f.conversation_id, f.floor)
          .changes;
        sql(db, "UPDATE conversations SET swept_seq = ? WHERE conversation_id = ?").run(f.floor, f.conversation_id);
      }
      entries += sql(db, "DELETE FROM entries WHERE sent_at < ?").run(cutoff).changes;
      sql(db, "DELETE FROM message_ids WHERE created_at < ?").run(cutoff);
      const welcomes = sql(db, "DELETE FROM welcomes WHERE sent_at < ?").run(cutoff).changes;
      const sessions = sql(db, "DELETE FROM sessions WHERE expires_at <= ?").run(now).changes;
      sql(
        db,
        `DELETE FROM members WHERE removed_seq IS NOT NULL AND (cursor >= removed_seq OR removed_at < ?
           OR device_id IN (SELECT device_id FROM devices WHERE revoked_at IS NOT NULL))`,
      ).run(cutoff);
      return { entries, welcomes, sessions };
    })
    .immediate();
}
