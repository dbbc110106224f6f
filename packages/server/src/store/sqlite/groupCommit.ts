import type { Database, Statement, Transaction } from "better-sqlite3";

interface Step {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** How long a group commit keeps trying for the write lock before failing its steps (as busy_timeout). */
export const WRITE_LOCK_WAIT_MS = 5_000;
/**
 * How long a flush retries BEGIN at once before going back to the event loop: another process's
 * group commit holds the lock for about 0.1 ms, so most waits end within this (measured: a third
 * of the turns lost to the lock otherwise, and ≈10 % more throughput with two workers).
 */
const SPIN_NS = 300_000n;

/**
 * Group commit for the hot write paths (message appends, delivery acks): steps queued during one
 * event-loop turn run in a single transaction, each inside its own savepoint (the steps are
 * better-sqlite3 transactions, which nest as savepoints), and every caller's promise settles
 * only after that transaction has committed. A busy room sends and acks thousands of times a
 * second; one commit per turn instead of one per request was the largest saving of the fan-out
 * benchmark (docs/performance.md). Durability is unchanged: nobody hears "ok" before the commit.
 *
 * When other processes write the same file (`parley serve --workers N`), BEGIN IMMEDIATE can find
 * the write lock taken. SQLite's busy handler would then sleep on the event loop (1 ms, then
 * longer), stalling every connection of this worker for a lock that another core releases in a
 * fraction of that. So the group commit asks without waiting (busy_timeout 0 for its BEGIN),
 * retries at once for up to SPIN_NS, then tries again on later turns, meanwhile serving other
 * work and gathering more steps into the batch; after a millisecond of that it backs off on
 * timers, and after WRITE_LOCK_WAIT_MS it fails the batch as busy_timeout would have.
 */
export class GroupCommit {
  private queue: Step[] = [];
  private scheduled = false;
  /** When the current batch first found the lock taken (0: it has not). */
  private waitingSince = 0;
  /** Built once: better-sqlite3's transaction() is costly to create (see SqliteConversations). */
  private readonly runAll: Transaction<(batch: Step[], outcomes: Outcome[]) => void>;
  private readonly noWait: Statement;
  private readonly restoreWait: Statement;

  constructor(private readonly db: Database) {
    this.runAll = db.transaction((batch: Step[], outcomes: Outcome[]) => {
      for (const step of batch) {
        // A step that throws has already rolled back its own savepoint (or, a single statement,
        // itself); the others go on.
        try {
          outcomes.push({ ok: true, value: step.run() });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
    });
    const previous = Number(db.pragma("busy_timeout", { simple: true }));
    this.noWait = db.prepare("PRAGMA busy_timeout = 0");
    this.restoreWait = db.prepare(`PRAGMA busy_timeout = ${Number.isFinite(previous) ? previous : WRITE_LOCK_WAIT_MS}`);
  }

  run<T>(step: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: step, resolve: resolve as (v: unknown) => void, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.waitingSince === 0 || Date.now() - this.waitingSince < 1) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), 1);
  }

  /** One transaction for the batch; BEGIN retried for up to SPIN_NS while another process writes. */
  private beginAndRun(batch: Step[], outcomes: Outcome[]): void {
    const giveUpAt = process.hrtime.bigint() + SPIN_NS;
    for (;;) {
      try {
        this.runAll.immediate(batch, outcomes);
        return;
      } catch (error) {
        if (!(isBusy(error) && outcomes.length === 0 && process.hrtime.bigint() < giveUpAt)) throw error;
      }
    }
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Outcome[] = [];
    try {
      this.noWait.get();
      try {
        this.beginAndRun(batch, outcomes);
      } finally {
        this.restoreWait.get();
      }
    } catch (error) {
      // Only BEGIN can be busy (the transaction holds the write lock after it), so no step has run.
      if (isBusy(error) && outcomes.length === 0) {
        const now = Date.now();
        if (this.waitingSince === 0) this.waitingSince = now;
        if (now - this.waitingSince < WRITE_LOCK_WAIT_MS) {
          this.queue = batch.concat(this.queue);
          this.schedule();
          return;
        }
      }
      this.waitingSince = 0;
      for (const step of batch) step.reject(error);
      return;
    }
    this.waitingSince = 0;
    batch.forEach((step, i) => {
      const o = outcomes[i]!;
      if (o.ok) step.resolve(o.value);
      else step.reject(o.error);
    });
  }
}

function isBusy(error: unknown): boolean {
  // better-sqlite3 reports BEGIN's SQLITE_BUSY with this code (extended codes are off by default).
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT";
}
