import type { Database } from "better-sqlite3";
import type { GroupCommit } from "./groupCommit.js";
import { sql } from "./statements.js";

/**
 * Cursor moves that the gateway has already validated (see Store.advanceCursor), collected per
 * device and conversation and written in the hot path's group commit: however many acks one
 * device sends for one conversation in an event-loop turn, the file sees one UPDATE, of the
 * highest position. Each caller's promise settles once that transaction has committed.
 *
 * The steps are single UPDATE statements, so they need no savepoint of their own (SQLite undoes a
 * failed statement by itself); in the fan-out profile, creating and releasing a savepoint per ack
 * cost about as much as the UPDATE.
 */
export class CursorWrites {
  private readonly pending = new Map<string, Map<string, number>>();
  private batch: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly hot: GroupCommit,
  ) {}

  advance(conversationId: string, deviceId: string, cursor: number): Promise<void> {
    let devices = this.pending.get(conversationId);
    if (devices === undefined) {
      devices = new Map();
      this.pending.set(conversationId, devices);
    }
    const queued = devices.get(deviceId);
    if (queued === undefined || cursor > queued) devices.set(deviceId, cursor);
    this.batch ??= this.hot.run(() => this.write());
    return this.batch;
  }

  /** Runs inside the group commit's transaction; what arrives after it goes into the next one. */
  private write(): void {
    this.batch = null;
    const update = sql(this.db, "UPDATE members SET cursor = ? WHERE conversation_id = ? AND device_id = ? AND cursor < ?");
    const pending = [...this.pending];
    this.pending.clear();
    for (const [conversationId, devices] of pending) {
      for (const [deviceId, cursor] of devices) update.run(cursor, conversationId, deviceId, cursor);
    }
  }
}
