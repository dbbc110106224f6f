import type { ServerOptions } from "../config.js";
import type { LogLevel } from "../log.js";

/** Server options that can cross to a worker process (no objects with behaviour). */
export type WorkerServerOptions = Omit<ServerOptions, "store" | "bus" | "httpHook" | "now" | "log"> & {
  log?: LogLevel;
};

/** What the primary hands each worker, in its environment (PARLEY_WORKER_SPEC, JSON). */
export interface WorkerSpec {
  options: WorkerServerOptions;
  /** The built web app to serve, if any. */
  webDir: string | null;
  /** Only one worker runs the retention sweep timer: the sweep is the same work whoever runs it. */
  sweeps: boolean;
}

export const WORKER_SPEC_ENV = "PARLEY_WORKER_SPEC";

/** Messages between the primary and a worker, besides the bus's own batches. */
export type ToWorker = { parleyWorker: "stop" } | { parleyWorker: "stats"; id: number };
export type FromWorker =
  | { parleyWorker: "ready"; port: number; url: string; wsUrl: string; tlsFingerprint: string | null }
  | { parleyWorker: "failed"; message: string }
  | { parleyWorker: "stats"; id: number; connections: number; rssBytes: number };

export function isFromWorker(message: unknown): message is FromWorker {
  return typeof message === "object" && message !== null && typeof (message as FromWorker).parleyWorker === "string";
}
