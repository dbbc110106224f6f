/**
 * Entry point of one worker process of `parley serve --workers N` (forked by startCluster). It
 * runs an ordinary server on the shared listening socket, on the store the primary prepared (the
 * SQLite file, or PostgreSQL), opened by each worker as separate instances would, and, unless
 * Redis is configured, an IpcBus relayed by the primary.
 * Stops when the primary says so or goes away; ignores SIGINT/SIGTERM itself, because a Ctrl-C
 * reaches every process of the group and the primary coordinates the shutdown.
 */
import { startServer, type ParleyServer } from "../server.js";
import { createStaticHook } from "../http/staticFiles.js";
import { IpcBus, type IpcLink } from "./ipcBus.js";
import { WORKER_SPEC_ENV, type FromWorker, type ToWorker, type WorkerSpec } from "./workerSpec.js";

/**
 * Sends to the primary if it is still there. A send on a closed channel fails on a later tick,
 * as an uncaught 'error' event unless a callback takes it; the disconnect handler ends this
 * process then anyway.
 */
const toPrimary = (message: unknown) => {
  if (process.connected) process.send?.(message, undefined, undefined, () => {});
};
const send = (message: FromWorker) => toPrimary(message);

const link: IpcLink = {
  send: toPrimary,
  onMessage: (listener) => {
    process.on("message", listener);
    return () => process.off("message", listener);
  },
};

let server: ParleyServer | null = null;
let bus: IpcBus | null = null;
let stopping: Promise<void> | null = null;
/** Stops gracefully once started; before that there is nothing to say goodbye to. */
const stop = () =>
  (stopping ??= (async () => {
    await server?.close();
    await bus?.close();
    process.exit(0);
  })());

// Listening from the first moment: a stop can come while the server is still starting.
process.on("message", (m: ToWorker) => {
  if (m?.parleyWorker === "stop") void stop();
  if (m?.parleyWorker === "stats") {
    send({ parleyWorker: "stats", id: m.id, connections: server?.connectionCount() ?? 0, rssBytes: process.memoryUsage().rss });
  }
});
process.on("disconnect", () => void stop());

async function main(): Promise<void> {
  if (!process.send) throw new Error("a Parley worker must be started by the primary (startCluster)");
  const spec = JSON.parse(process.env[WORKER_SPEC_ENV] ?? "null") as WorkerSpec | null;
  if (spec === null) throw new Error(`${WORKER_SPEC_ENV} is missing`);
  bus = spec.options.redisUrl ? null : new IpcBus(link);
  const started = await startServer({
    ...spec.options,
    bus,
    httpHook: spec.webDir ? createStaticHook({ root: spec.webDir }) : null,
    ...(spec.sweeps ? {} : { retentionSweepIntervalMs: 0 }),
  });
  server = started;
  if (stopping) return; // asked to stop while starting: stop() closes it
  send({ parleyWorker: "ready", port: started.port, url: started.url, wsUrl: started.wsUrl, tlsFingerprint: started.tlsFingerprint });
}

process.on("SIGINT", () => {});
process.on("SIGTERM", () => {});
main().catch(async (error: unknown) => {
  send({ parleyWorker: "failed", message: error instanceof Error ? error.message : String(error) });
  await bus?.close();
  process.exit(1);
});
