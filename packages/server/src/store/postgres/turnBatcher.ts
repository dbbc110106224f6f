interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
  /** Items of one addGroup call after its first: never split from the item before them. */
  joined: boolean;
}

/**
 * Collects the calls made during one event-loop turn and hands them to `flush` together, the way
 * the SQLite store's GroupCommit does: a busy room acks thousands of times a second, and one
 * statement (one round trip, one COMMIT) for all the acks of a turn costs PostgreSQL and this
 * process far less than one transaction each. `flush` must return one result per item, in
 * order, and resolve only once its work is committed: callers settle only then, so nobody hears
 * "ok" before the write is durable. If `flush` fails, every caller of that batch gets the error.
 *
 * Batches of one turn run concurrently, so only items in one batch keep their order: addGroup's
 * items always share one (a group larger than maxBatch goes alone, whole).
 */
export class TurnBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private scheduled = false;

  constructor(
    private readonly flush: (items: I[]) => Promise<O[]>,
    /** Items per flush at most; more in one turn are split into several flushes. */
    private readonly maxBatch = 256,
  ) {}

  add(item: I): Promise<O> {
    return this.enqueue(item, false);
  }

  /** Items that must be flushed together, in this order (each caller still gets its own result). */
  addGroup(items: readonly I[]): Promise<O>[] {
    return items.map((item, i) => this.enqueue(item, i > 0));
  }

  private enqueue(item: I, joined: boolean): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject, joined });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  private drain(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    let batch: Pending<I, O>[] = [];
    for (let i = 0; i < all.length; ) {
      let end = i + 1;
      while (end < all.length && all[end]!.joined) end++;
      if (batch.length > 0 && batch.length + (end - i) > this.maxBatch) {
        void this.run(batch);
        batch = [];
      }
      for (; i < end; i++) batch.push(all[i]!);
    }
    if (batch.length > 0) void this.run(batch);
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    let results: O[];
    try {
      results = await this.flush(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`batch returned ${results.length} results for ${batch.length} items`);
    } catch (error) {
      for (const p of batch) p.reject(error);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
