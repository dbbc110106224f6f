import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** What one `PRAGMA wal_checkpoint(PASSIVE)` reported: WAL frames in all, and copied back so far. */
export interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** How often the worker checkpoints: the WAL then holds about this long's worth of writes. */
export const DEFAULT_CHECKPOINT_INTERVAL_MS = 100;

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
  try {
    const r = checkpoint();
    if (workerData.restartAtFrames > 0 && r.log >= workerData.restartAtFrames) db.pragma("wal_checkpoint(RESTART)");
  } catch (error) { parentPort.postMessage({ error: String(error) }); }
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
 * Does most of SQLite's WAL checkpointing off the event loop. SQLite checkpoints inside the COMMIT
 * that takes the WAL past 1000 pages: it copies those pages into the database file and fsyncs
 * it, on the main thread (better-sqlite3 is synchronous), while every message in flight waits.
 * A worker thread, on its own connection, runs PASSIVE checkpoints every `intervalMs` (PASSIVE
 * never blocks the writer or readers), so when the main connection's own auto-checkpoint comes
 * due it finds most frames already copied and copies only the last `intervalMs` of writes.
 *
 * The main connection keeps its auto-checkpoint on purpose: the WAL restarts from its start only
 * when a write begins with every frame copied, and under steady writes a checkpoint on another
 * connection almost never finishes between two commits. With wal_autocheckpoint=0 and only this
 * worker the WAL grew without bound (585 MB in 4 s of back-to-back writes, measured). But that
 * checkpoint is skipped whenever it finds the worker's checkpoint running, and with both cores
 * busy the worker can be descheduled while it runs: the WAL then grew to three times the
 * threshold in a test. So when the WAL is still past the threshold after one of its own
 * checkpoints, the worker restarts it itself (`wal_checkpoint(RESTART)`: it waits for the
 * writer, copies the few frames left, syncs, and holds off writers until the WAL starts over;
 * the hot path's group commit retries on later turns meanwhile, without sleeping). Durability
 * is unchanged: a commit is in the WAL either way; a checkpoint only moves pages into the main
 * file. If the worker fails, SQLite's own checkpoints go on alone.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly waiting: Array<{ resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }> = [];
  private stopped = false;

  /**
   * `restartAtFrames`: the main connection's auto-checkpoint threshold. If the WAL is still that
   * long after one of the worker's checkpoints, the main connection's own checkpoint has not
   * restarted it, and the worker does (RESTART, see the class comment); 0 (the default) never.
   */
  constructor(
    file: string,
    onFailure: (error: Error) => void,
    { intervalMs = DEFAULT_CHECKPOINT_INTERVAL_MS, restartAtFrames = 0 }: { intervalMs?: number; restartAtFrames?: number } = {},
  ) {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs, restartAtFrames }, execArgv: [] });
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
