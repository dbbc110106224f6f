import type { Database, Transaction } from "better-sqlite3";

interface Step {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit for the hot write paths (message appends, delivery acks): steps queued during one
 * event-loop turn run in a single transaction, each inside its own savepoint (the steps are
 * better-sqlite3 transactions, which nest as savepoints), and every caller's promise settles
 * only after that transaction has committed. A busy room sends and acks thousands of times a
 * second; one commit per turn instead of one per request was the largest saving of the fan-out
 * benchmark (docs/performance.md). Durability is unchanged: nobody hears "ok" before the commit.
 */
export class GroupCommit {
  private queue: Step[] = [];
  private scheduled = false;
  /** Built once: better-sqlite3's transaction() is costly to create (see SqliteConversations). */
  private readonly runAll: Transaction<(batch: Step[], outcomes: Outcome[]) => void>;

  constructor(db: Database) {
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
  }

  run<T>(step: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: step, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const outcomes: Outcome[] = [];
    try {
      this.runAll.immediate(batch, outcomes);
    } catch (error) {
      for (const step of batch) step.reject(error);
      return;
    }
    batch.forEach((step, i) => {
      const o = outcomes[i]!;
      if (o.ok) step.resolve(o.value);
      else step.reject(o.error);
    });
  }
}
