import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What one `PRAGMA wal_checkpoint(PASSIVE)` reported: WAL frames in all, and copied back so far. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** How often the worker checkpoints: the WAL then holds about this long's worth of writes. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 250;

// The worker's code, inline (eval) so that it runs the same from the TypeScript sources (tests,
// bench) and from the built dist. It is plain CommonJS: a second connection to the same file,
// PASSIVE checkpoints on a timer and on request.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 5000");
const checkpoint = () => db.pragma("wal_checkpoint(PASSIVE)")[0];
const timer = setInterval(() => {
  try { checkpoint(); } catch (error) { parentPort.postMessage({ error: String(error) }); }
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m === "stop") {
    clearInterval(timer);
    db.close();
    parentPort.close();
    return;
  }
  try { parentPort.postMessage({ result: checkpoint() }); } catch (error) { parentPort.postMessage({ error: String(error) }); }
});
`;

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default SQLite checkpoints inside the
 * COMMIT that pushes the WAL past 1000 pages, and a checkpoint copies those pages into the
 * database file and fsyncs it: with synchronous=NORMAL it is the only fsync on the write path, and
 * it ran on the main thread (better-sqlite3 is synchronous), stalling every message in flight
 * for milliseconds to tens of milliseconds (docs/performance.md, "Fan-out"). Here the main
 * connection runs with wal_autocheckpoint=0 and a worker thread, on its own connection, runs
 * PASSIVE checkpoints every `intervalMs`: PASSIVE never blocks writers or readers, and once a
 * checkpoint has copied everything the next write restarts the WAL from its start, so the WAL
 * stays about `intervalMs` of writes long. Durability is unchanged: a commit is as durable as it
 * was (it is in the WAL either way); the checkpoint only moves pages into the main file.
 *
 * If the worker fails, the main connection falls back to SQLite's own auto-checkpoint, so the WAL
 * never grows without bound.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }> = [];
  private stopped = false;

  constructor(file: string, onFailure: (error: Error) => void, intervalMs = DEFAULT_CHECKPOINT_INTERVAL_MS) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs }, execArgv: [] });
    // The timer alone must not keep the process alive; a caller awaiting a reply does (settle()).
    this.worker.unref();
    this.worker.on("message", (m: { result?: CheckpointResult; error?: string }) => {
      if (m.error !== undefined) {
        const error = new Error(`WAL checkpoint failed: ${m.error}`);
        this.settle()?.reject(error);
        onFailure(error);
      } else if (m.result) {
        this.settle()?.resolve(m.result);
      }
    });
    this.worker.on("error", (error) => {
      for (const w of this.waiting.splice(0)) w.reject(error);
      if (!this.stopped) onFailure(error);
    });
  }

  /** Checkpoints now (PASSIVE) and says how much of the WAL is in the database file. */
  checkpoint(): Promise<CheckpointResult> {
    if (this.stopped) return Promise.reject(new Error("WalCheckpointer stopped"));
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) this.worker.ref();
      this.waiting.push({ resolve, reject });
      this.worker.postMessage("checkpoint");
    });
  }

  private settle() {
    const next = this.waiting.shift();
    if (this.waiting.length === 0 && !this.stopped) this.worker.unref();
    return next;
  }

  /** Stops the timer, closes the worker's connection and waits for the thread to end. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.ref();
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage("stop");
    await exited;
  }
}
