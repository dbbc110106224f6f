import type pg from "pg";
import type { StoredEntry } from "../Store.js";
import { toStoredEntry, type EntryRow } from "../rows.js";
import { rows } from "./db.js";
import { TurnBatcher } from "./turnBatcher.js";

interface Range {
  conversationId: string;
  afterSeq: number;
  uptoSeq: number;
  limit: number;
}

/**
 * Log reads of one event-loop turn, as one query. When an append reaches a room, every member's
 * pusher on this instance misses the entry cache in the same turn and asks for the same range:
 * identical ranges are read once, distinct ones together (one LATERAL query), instead of one
 * round trip per member.
 *
 * Sharing is safe because the caller's range ends at a last_seq it has already read: entries up to
 * it were committed before any of these reads started.
 */
export class EntryReads {
  private readonly batcher: TurnBatcher<Range, StoredEntry[]>;

  constructor(pool: pg.Pool) {
    this.batcher = new TurnBatcher(async (items) => {
      const keys = new Map<string, number>();
      const distinct: Range[] = [];
      const slot = items.map((r) => {
        const key = `${r.conversationId}\n${r.afterSeq}\n${r.uptoSeq}\n${r.limit}`;
        let k = keys.get(key);
        if (k === undefined) {
          k = distinct.push(r);
          keys.set(key, k);
        }
        return k;
      });
      const list = await rows<EntryRow & { i: number }>(
        pool,
        `SELECT a.i::int AS i, e.* FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
           WITH ORDINALITY AS a(conversation_id, after_seq, upto_seq, max_rows, i)
         CROSS JOIN LATERAL (
           SELECT * FROM entries x WHERE x.conversation_id = a.conversation_id AND x.seq > a.after_seq AND x.seq <= a.upto_seq
           ORDER BY x.seq LIMIT a.max_rows) e
         ORDER BY a.i, e.seq`,
        [distinct.map((r) => r.conversationId), distinct.map((r) => r.afterSeq), distinct.map((r) => r.uptoSeq), distinct.map((r) => r.limit)],
      );
      const found: StoredEntry[][] = distinct.map(() => []);
      for (const r of list) found[r.i - 1]!.push(toStoredEntry(r));
      // Each caller gets its own array (the entries themselves are never changed).
      return slot.map((k) => found[k - 1]!.slice());
    });
  }

  read(conversationId: string, afterSeq: number, uptoSeq: number, limit: number): Promise<StoredEntry[]> {
    return this.batcher.add({ conversationId, afterSeq, uptoSeq, limit });
  }
}
