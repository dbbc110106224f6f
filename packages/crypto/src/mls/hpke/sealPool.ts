/**
 * HPKE seals in batches, shared with a worker thread.
 *
 * Why: a commit encrypts its path secrets to every node of its copath's resolutions. In a
 * 1000-member group whose parent nodes are blank (a tree built by one commit that added
 * everyone), that is 999 seals, each two X25519 operations: about four fifths of the commit's
 * creation time on one core. ts-mls starts all of a commit's seals at once (Promise.all), so the
 * seals asked for in one event-loop turn are gathered here; a batch of at least `minBatch` is
 * split, part sealed by the worker (sealWorker.ts) while the main thread seals the rest.
 *
 * Smaller batches, and every batch while the worker is starting or if it cannot run, are sealed
 * on the main thread, so the worker changes speed, never results. A worker that fails mid-batch
 * has that part sealed again here: nothing it sealed was handed out. The worker holds the
 * process open only while it has work.
 */
import { Worker } from "node:worker_threads";
import { CryptoError } from "ts-mls/mlsError.js";
import { buf } from "../bytes.js";
import type { SealBatch, SealResult } from "./sealWorker.js";
import { sealBase, type Sealed } from "./suite1.js";
import type { X25519Key } from "./x25519.js";

interface Pending {
  key: X25519Key;
  plaintext: Uint8Array;
  info: Uint8Array;
  aad: Uint8Array | undefined;
  resolve: (s: Sealed) => void;
  reject: (e: unknown) => void;
}

export interface SealPoolOptions {
  /** The worker's module; by default sealWorker.js next to this file. */
  workerUrl?: URL;
  /** Batches smaller than this are sealed on the main thread: the round trip would cost more. */
  minBatch?: number;
  /**
   * The worker's share of a batch it takes part in. By default it follows the two threads' speed
   * per seal in recent batches (the worker is often the slower: it is the one that waits for a
   * core), starting at half.
   */
  workerShare?: number;
  /** How long a batch may take in the worker, plus a millisecond per seal, before it is sealed here. */
  batchDeadlineMs?: number;
}

/**
 * The worker from the built sealWorker.js; when running from source (tests, benchmarks under
 * tsx), from sealWorker.ts with tsx registered in the worker first, because Node 20 does not
 * apply the parent's --import hooks to worker threads.
 */
function startSealWorker(url: URL | undefined): Worker {
  // The worker needs none of the parent's Node options, and some (--input-type, --eval) break it.
  const options = { execArgv: [] };
  if (url !== undefined) return new Worker(url, options);
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./sealWorker.js", import.meta.url), options);
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./sealWorker.ts", import.meta.url).href);
  return new Worker(`import(${tsx}).then((api) => api.register()).then(() => import(${entry}))`, { ...options, eval: true });
}

/**
 * The worker's share that makes both threads finish together, from each one's milliseconds per
 * seal (0: not measured yet, so half), kept within 0.2–0.8 so one slow batch cannot starve a side.
 */
export function balancedShare(msHere: number, msWorker: number): number {
  if (!(msHere > 0 && msWorker > 0)) return 0.5;
  return Math.min(0.8, Math.max(0.2, msHere / (msHere + msWorker)));
}

/** Node clamps longer timers to 1 ms. */
const MAX_DEADLINE_MS = 2 ** 31 - 1 - 100_000;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a === b || (a.length === b.length && buf(a).equals(b));
}

export class SealPool {
  private queue: Pending[] = [];
  private flushScheduled = false;
  private worker: Worker | undefined;
  private state: "idle" | "starting" | "ready" | "broken" = "idle";
  private readonly started: Promise<boolean>;
  private markStarted!: (ok: boolean) => void;
  private nextId = 1;
  private readonly inFlight = new Map<number, { pending: Pending[]; deadline: NodeJS.Timeout }>();
  private readonly minBatch: number;
  private readonly fixedShare: number | undefined;
  /** Recent milliseconds per seal on each side, for the split. */
  private readonly msPerSeal = { here: 0, worker: 0 };
  private readonly batchDeadlineMs: number;
  /** Seals done by the worker and here, for the tests. */
  readonly counts = { worker: 0, local: 0 };

  constructor(private readonly opts: SealPoolOptions = {}) {
    this.minBatch = opts.minBatch ?? 64;
    this.fixedShare = opts.workerShare;
    this.batchDeadlineMs = opts.batchDeadlineMs ?? 5_000;
    if (!(Number.isInteger(this.minBatch) && this.minBatch >= 2)) throw new RangeError("minBatch must be a whole number of at least 2");
    if (this.fixedShare !== undefined && !(this.fixedShare > 0 && this.fixedShare < 1)) throw new RangeError("workerShare must be between 0 and 1");
    if (!(this.batchDeadlineMs > 0 && this.batchDeadlineMs <= MAX_DEADLINE_MS)) throw new RangeError(`batchDeadlineMs must be 1..${MAX_DEADLINE_MS}`);
    this.started = new Promise((resolve) => (this.markStarted = resolve));
  }

  seal(key: X25519Key, plaintext: Uint8Array, info: Uint8Array, aad: Uint8Array | undefined): Promise<Sealed> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, plaintext, info, aad, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Starts the worker now rather than at the first large batch; true once it is ready. */
  warm(): Promise<boolean> {
    this.startWorker();
    return this.started;
  }

  /** Stops the worker; what it holds and later seals are sealed on the main thread. */
  async close(): Promise<void> {
    const w = this.worker;
    this.fail(); // detaches the worker first, so none of its queued messages can touch the pool
    if (w) await w.terminate();
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length >= this.minBatch) {
      if (this.state !== "ready") {
        this.startWorker();
      } else {
        const cut = batch.length - Math.floor(batch.length * this.workerShare());
        if (cut < batch.length && this.send(batch.slice(cut))) {
          const started = performance.now();
          this.sealHere(batch.slice(0, cut));
          this.observe("here", performance.now() - started, cut);
          return;
        }
      }
    }
    this.sealHere(batch);
  }

  private workerShare(): number {
    return this.fixedShare ?? balancedShare(this.msPerSeal.here, this.msPerSeal.worker);
  }

  private observe(side: "here" | "worker", ms: number, seals: number): void {
    if (seals === 0 || !Number.isFinite(ms) || ms < 0) return;
    const now = ms / seals;
    const before = this.msPerSeal[side];
    this.msPerSeal[side] = before === 0 ? now : (before + now) / 2;
  }

  private sealHere(pending: Pending[]): void {
    for (const p of pending) {
      try {
        p.resolve(sealBase(p.key, p.plaintext, p.info, p.aad));
        this.counts.local++;
      } catch (e) {
        p.reject(e);
      }
    }
  }

  /** Hands `pending` to the worker; false (nothing handed over, worker given up) if it cannot be sent. */
  private send(pending: Pending[]): boolean {
    const w = this.worker!;
    const id = this.nextId++;
    const plaintexts: Uint8Array[] = [];
    try {
      // Seals in a row usually share their info (one commit's, or one Welcome's): each distinct
      // run is sent once. Compared by value, since ts-mls encodes it afresh for every seal. Every
      // array is copied to its own buffer first: structured clone copies a view's whole buffer,
      // and a small Buffer's is Node's shared pool, where other secrets may sit.
      const infos: Uint8Array[] = [];
      const jobs = pending.map((p) => {
        const last = infos.at(-1);
        if (last === undefined || !sameBytes(last, p.info)) infos.push(new Uint8Array(p.info));
        const plaintext = new Uint8Array(p.plaintext);
        plaintexts.push(plaintext);
        return { pk: new Uint8Array(p.key.publicBytes()), plaintext, info: infos.length - 1, aad: p.aad === undefined ? undefined : new Uint8Array(p.aad) };
      });
      const message: SealBatch = { id, infos, jobs };
      w.postMessage(message);
    } catch {
      this.giveUp();
      return false;
    } finally {
      for (const plaintext of plaintexts) plaintext.fill(0);
    }
    // A worker that does not answer (hung, as a Node bug once made it) must not stall the commit:
    // past the deadline it is stopped and its part sealed here. Timers run before queued worker
    // messages are delivered, so the deadline looks once more after those, in setImmediate.
    const deadline = setTimeout(() => setImmediate(() => this.inFlight.has(id) && this.giveUp()), this.batchDeadlineMs + pending.length);
    deadline.unref();
    this.inFlight.set(id, { pending, deadline });
    w.ref();
    return true;
  }

  private received(id: number, results: SealResult[]): void {
    const entry = this.inFlight.get(id);
    if (entry === undefined) return;
    this.inFlight.delete(id);
    clearTimeout(entry.deadline);
    if (this.inFlight.size === 0) this.worker?.unref();
    entry.pending.forEach((p, i) => {
      const r = results[i];
      if (r === undefined) p.reject(new CryptoError("HPKE: the seal worker returned too few results"));
      else if ("error" in r) p.reject(new CryptoError(r.error));
      else {
        this.counts.worker++;
        p.resolve({ ct: r.ct, enc: r.enc });
      }
    });
  }

  private startWorker(): void {
    if (this.state !== "idle") return;
    this.state = "starting";
    let w: Worker;
    try {
      w = startSealWorker(this.opts.workerUrl);
    } catch {
      this.fail();
      return;
    }
    this.worker = w;
    // A worker that never says it is ready is given up, as one that never answers a batch is.
    const startDeadline = setTimeout(() => setImmediate(() => this.worker === w && this.state === "starting" && this.giveUp()), this.batchDeadlineMs);
    startDeadline.unref();
    w.on("message", (m: { ready?: boolean; id?: number; results?: SealResult[]; ms?: number }) => {
      if (this.worker !== w) return; // given up or closed: nothing it says counts any more
      if (m.ready === true) {
        clearTimeout(startDeadline);
        this.state = "ready";
        this.markStarted(true);
        if (this.inFlight.size === 0) w.unref();
      } else if (typeof m.id === "number" && Array.isArray(m.results)) {
        if (typeof m.ms === "number") this.observe("worker", m.ms, m.results.length);
        this.received(m.id, m.results);
      }
    });
    w.on("messageerror", () => this.worker === w && this.giveUp());
    w.on("error", () => this.worker === w && this.fail());
    w.on("exit", () => {
      clearTimeout(startDeadline);
      if (this.worker === w) this.fail();
    });
    // The worker holds the process open while it starts (a short while; so that `await warm()`
    // can finish) and while it holds a batch, never when idle. Adding a "message" listener refs
    // a worker again, so this comes after the listeners.
    w.ref();
  }

  /** The worker is stuck or sent what cannot be read: stop it; fail() seals its part here. */
  private giveUp(): void {
    const w = this.worker;
    this.fail();
    if (w) {
      w.unref(); // a stuck worker must not hold the process while it is torn down
      void w.terminate();
    }
  }

  /** The worker cannot be used: what it held is sealed here, and so is everything after. */
  private fail(): void {
    this.state = "broken";
    this.worker = undefined;
    this.markStarted(false);
    const stranded = [...this.inFlight.values()].flatMap((e) => {
      clearTimeout(e.deadline);
      return e.pending;
    });
    this.inFlight.clear();
    this.sealHere(stranded);
  }
}
