import cluster, { type Worker } from "node:cluster";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { OpaqueServer } from "../auth/opaque.js";
import { resolveConfig } from "../config.js";
import { createLogger, type Logger } from "../log.js";
import { openStore } from "../server.js";
import { loadTls } from "../tls/tls.js";
import { BusRelay } from "./busRelay.js";
import type { IpcLink } from "./ipcBus.js";
import { isFromWorker, WORKER_SPEC_ENV, type FromWorker, type ToWorker, type WorkerServerOptions, type WorkerSpec } from "./workerSpec.js";

export interface ClusterOptions {
  /** Worker processes, each a server on the shared port: at least 2 (1 is plain startServer). */
  workers: number;
  options: WorkerServerOptions;
  webDir?: string | null;
  /** The primary's own log (worker exits and restarts). */
  log?: Logger;
  /** Restarts allowed within restartWindowMs before the primary gives up (a crash loop). */
  maxRestarts?: number;
  restartWindowMs?: number;
}

export interface ParleyCluster {
  url: string;
  wsUrl: string;
  port: number;
  tlsFingerprint: string | null;
  /** Process ids of the workers running now. */
  workerPids(): number[];
  /** Open WebSocket connections of each running worker. */
  connectionCounts(): Promise<number[]>;
  /** Settles when the cluster has stopped: null after close(), an Error if it gave up (crash loop). */
  readonly stopped: Promise<Error | null>;
  /** Stops every worker gracefully (each closes its connections with GoingAway). Idempotent. */
  close(): Promise<void>;
}

/**
 * A send to a worker that is going away fails on a later tick, as an 'error' event unless a
 * callback takes it; the worker's exit is handled on its own, so the error needs nothing.
 */
const ignoreSendError = () => {};

const here = fileURLToPath(import.meta.url);
/** workerMain next to this file: .ts when run from the sources (tsx), .js from dist. */
const WORKER_ENTRY = join(dirname(here), `workerMain${extname(here)}`);

/**
 * `parley serve --workers N`: one primary process and N workers sharing the listening socket
 * (node:cluster hands each new connection to the next worker in turn). The workers share the
 * store, each opening it as separate instances would: the one SQLite file (WAL: one writer at a
 * time across processes, readers alongside; the group commit waits for the write lock without
 * sleeping on its event loop) or PostgreSQL. Their bus is an IpcBus relayed by the primary, or
 * Redis when configured. Everything that must be done once (migrations, the OPAQUE server
 * setup, a self-signed certificate) is done here before any worker starts. A worker that dies is
 * replaced; its clients reconnect to the others meanwhile, as they do after an instance failure.
 */
export async function startCluster(opts: ClusterOptions): Promise<ParleyCluster> {
  if (!cluster.isPrimary) throw new Error("startCluster runs in the primary process only");
  if (!Number.isInteger(opts.workers) || opts.workers < 2) throw new RangeError("workers must be a whole number >= 2");
  const config = resolveConfig(opts.options);
  if (config.dataDir === null && config.databaseUrl === null) {
    throw new RangeError("workers share a store: give a data directory (SQLite) or a databaseUrl, not an in-memory store");
  }
  const log = opts.log ?? createLogger(opts.options.log ?? "info");
  const maxRestarts = opts.maxRestarts ?? 5;
  const restartWindowMs = opts.restartWindowMs ?? 60_000;

  // Done once, before the workers race to do it: the certificate, migrations, the OPAQUE setup.
  const tls = config.tls !== null ? await loadTls(config.tls, config.dataDir, config.host) : null;
  const store = await openStore(config);
  try {
    await OpaqueServer.load(store);
  } finally {
    await store.close();
  }

  cluster.setupPrimary({ exec: WORKER_ENTRY, serialization: "json" });
  const relay = new BusRelay();
  const running = new Map<Worker, () => void>();
  const restarts: number[] = [];
  /** Set once the cluster is stopping: exits are then expected, not replaced. */
  let stopping: Promise<void> | null = null;
  /** Until every first worker is ready, a worker that exits fails the start instead of being replaced. */
  let started = false;
  /** Rejects if any worker exits before the cluster has started, ready or not. */
  let failStart!: (error: Error) => void;
  const startFailed = new Promise<never>((_, reject) => (failStart = reject));
  startFailed.catch(() => {});
  let settleStopped!: (value: Error | null) => void;
  const stopped = new Promise<Error | null>((resolve) => (settleStopped = resolve));

  type Ready = Extract<FromWorker, { parleyWorker: "ready" }>;
  /** Starts worker `index`; the promise settles with its "ready" or "failed" (an exit is handled below). */
  const fork = (index: number): Promise<Ready> => {
    const spec: WorkerSpec = { options: opts.options, webDir: opts.webDir ?? null, sweeps: index === 0 };
    const worker = cluster.fork({ [WORKER_SPEC_ENV]: JSON.stringify(spec) });
    const link: IpcLink = {
      send: (message) => {
        if (worker.isConnected()) worker.send(message as never, undefined, ignoreSendError);
      },
      onMessage: (listener) => {
        worker.on("message", listener);
        return () => worker.off("message", listener);
      },
    };
    const unrelay = relay.add(worker.id, link);
    running.set(worker, unrelay);
    const ready = new Promise<Ready>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (!isFromWorker(m) || (m.parleyWorker !== "ready" && m.parleyWorker !== "failed")) return;
        worker.off("message", onMessage);
        if (m.parleyWorker === "ready") resolve(m);
        else reject(new Error(m.message));
      };
      worker.on("message", onMessage);
    });
    worker.once("exit", (code, signal) => {
      running.get(worker)?.();
      running.delete(worker);
      if (!started) failStart(new Error(`a worker exited during start-up (${signal ?? `code ${code}`})`));
      if (stopping !== null || !started) return;
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && restarts[0]! < now - restartWindowMs) restarts.shift();
      if (restarts.length > maxRestarts) {
        log.error("workers keep exiting; stopping the server", { restarts: restarts.length, windowMs: restartWindowMs });
        void shutdown(new Error(`workers exited ${restarts.length} times within ${restartWindowMs / 1000} s; see the log above`));
        return;
      }
      log.error("worker exited; starting another", { worker: index, pid: worker.process.pid, code, signal });
      fork(index).catch((error: unknown) => log.error("replacement worker failed to start", { worker: index, error: String(error) }));
    });
    return ready;
  };

  /** Stops every worker (the first reason wins); every caller waits for the same stop. */
  const shutdown = (reason: Error | null): Promise<void> =>
    (stopping ??= (async () => {
      const exits = [...running.keys()].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            worker.once("exit", () => resolve());
            if (worker.isConnected()) worker.send({ parleyWorker: "stop" } satisfies ToWorker, undefined, ignoreSendError);
            else worker.process.kill("SIGKILL");
            // A worker gets its graceful window, then a bit more, then SIGKILL.
            setTimeout(() => worker.isDead() || worker.process.kill("SIGKILL"), config.shutdownGraceMs + 5_000).unref();
          }),
      );
      await Promise.all(exits);
      log.info("all workers stopped", {});
      settleStopped(reason);
    })());

  const forked = Array.from({ length: opts.workers }, (_, i) => fork(i));
  let first: Ready;
  try {
    first = (await Promise.race([Promise.all(forked), startFailed]))[0]!;
  } catch (error) {
    await shutdown(error as Error);
    throw error;
  }
  started = true;
  log.info("cluster listening", { workers: opts.workers, port: first.port });

  let statsId = 0;
  return {
    url: first.url,
    wsUrl: first.wsUrl,
    port: first.port,
    tlsFingerprint: tls?.fingerprint ?? null,
    workerPids: () => [...running.keys()].flatMap((w) => (w.process.pid === undefined ? [] : [w.process.pid])),
    connectionCounts: () =>
      Promise.all(
        [...running.keys()].map(
          (worker) =>
            new Promise<number>((resolve) => {
              const id = ++statsId;
              const onMessage = (m: unknown) => {
                if (isFromWorker(m) && m.parleyWorker === "stats" && m.id === id) {
                  worker.off("message", onMessage);
                  resolve(m.connections);
                }
              };
              worker.on("message", onMessage);
              // A worker that is exiting does not answer: count it as holding nothing.
              setTimeout(() => {
                worker.off("message", onMessage);
                resolve(0);
              }, 2_000).unref();
              if (worker.isConnected()) worker.send({ parleyWorker: "stats", id } satisfies ToWorker, undefined, ignoreSendError);
            }),
        ),
      ),
    stopped,
    close: async () => {
      await shutdown(null);
    },
  };
}
