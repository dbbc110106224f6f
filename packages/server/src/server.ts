import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { FrameCodec } from "@parley/protocol";
import { OpaqueServer } from "./auth/opaque.js";
import type { Bus } from "./bus/Bus.js";
import { MemoryBus } from "./bus/memoryBus.js";
import { RedisBus } from "./bus/redisBus.js";
import { resolveConfig, type ServerConfig, type ServerOptions } from "./config.js";
import { Gateway } from "./gateway/Gateway.js";
import { createRequestHandler, WS_PATH } from "./gateway/http.js";
import { handlers, runHandlers } from "./handlers/index.js";
import { createLogger, describeError, type Logger } from "./log.js";
import type { Store, SweepResult } from "./store/Store.js";
import { PostgresStore } from "./store/postgres/PostgresStore.js";
import { SqliteStore } from "./store/sqlite/SqliteStore.js";
import { loadTls } from "./tls/tls.js";

/** A running server, as startServer returns it. */
export interface ParleyServer {
  /** http(s)://host:port */
  url: string;
  /** ws(s)://host:port/ws: where clients connect. */
  wsUrl: string;
  host: string;
  /** The bound port (the real one when config.port was 0). */
  port: number;
  /** SHA-256 fingerprint of the TLS certificate ("AB:CD:…"), or null without TLS. */
  tlsFingerprint: string | null;
  config: ServerConfig;
  store: Store;
  bus: Bus;
  /** Runs the retention sweep now (it also runs every config.retentionSweepIntervalMs). */
  sweep(): Promise<SweepResult>;
  /** Open WebSocket connections. */
  connectionCount(): number;
  /** Stops accepting, closes every connection (GoingAway), then closes what it opened. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a Parley server: HTTP(S) with /healthz, and the WebSocket protocol on /ws.
 *
 * @example
 * const server = await startServer({ port: 0, dataDir: "/var/lib/parley", tls: "self-signed" });
 * console.log(server.wsUrl, server.tlsFingerprint);
 * await server.close();
 */
export async function startServer(options: ServerOptions = {}): Promise<ParleyServer> {
  const config = resolveConfig(options);
  const log: Logger = typeof config.log === "string" ? createLogger(config.log) : config.log;
  const ownStore = config.store === null;
  const store: Store = config.store ?? (await openStore(config));
  const ownBus = config.bus === null;
  let bus: Bus;
  try {
    bus = config.bus ?? (config.redisUrl !== null ? await RedisBus.connect(config.redisUrl, { prefix: config.redisPrefix, log }) : new MemoryBus());
  } catch (error) {
    if (ownStore) await store.close();
    throw error;
  }

  let httpServer: Server | undefined;
  try {
    const opaque = await OpaqueServer.load(store);
    const tls = config.tls !== null ? await loadTls(config.tls, config.dataDir, config.host) : null;
    const onRequest = createRequestHandler({ store, bus, tls: tls !== null, hook: config.httpHook, log });
    httpServer = tls
      ? (createHttpsServer({ cert: tls.cert, key: tls.key }, onRequest) as unknown as Server)
      : createHttpServer(onRequest);
    const server = httpServer;
    const codec = new FrameCodec(config.limits);
    const gateway = new Gateway({ config, codec, store, bus, opaque, log, handlers, runHandlers }, server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    server.on("error", (error) => log.error("http server error", describeError(error)));

    const port = (server.address() as AddressInfo).port;
    const urlHost = displayHost(config.host);
    const url = `${tls ? "https" : "http"}://${urlHost}:${port}`;
    const wsUrl = `${tls ? "wss" : "ws"}://${urlHost}:${port}${WS_PATH}`;

    const sweep = async (): Promise<SweepResult> => {
      const result = await store.sweep(config.now(), config.retentionMs);
      log.info("retention sweep", { ...result });
      return result;
    };
    const sweepTimer =
      config.retentionSweepIntervalMs > 0
        ? setInterval(() => {
            sweep().catch((error: unknown) => log.error("retention sweep failed", describeError(error)));
          }, config.retentionSweepIntervalMs)
        : null;
    sweepTimer?.unref();

    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        if (sweepTimer) clearInterval(sweepTimer);
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await gateway.shutdown(config.shutdownGraceMs);
        server.closeAllConnections();
        await stopped;
        if (ownBus) await bus.close();
        if (ownStore) await store.close();
        log.info("server stopped", { port });
      })());

    log.info("server listening", { host: config.host, port, tls: tls !== null });
    return {
      url,
      wsUrl,
      host: config.host,
      port,
      tlsFingerprint: tls?.fingerprint ?? null,
      config,
      store,
      bus,
      sweep,
      connectionCount: () => gateway.connections.size,
      close,
    };
  } catch (error) {
    httpServer?.close();
    if (ownBus) await bus.close();
    if (ownStore) await store.close();
    throw error;
  }
}

/** The store the configuration names: PostgreSQL, SQLite in dataDir, or SQLite in memory. */
export async function openStore(config: ServerConfig): Promise<Store> {
  if (config.databaseUrl !== null) {
    return PostgresStore.connect(config.databaseUrl, { maxConnections: config.databasePoolSize, now: config.now() });
  }
  return config.dataDir !== null ? SqliteStore.openInDir(config.dataDir, config.now()) : new SqliteStore(":memory:", config.now());
}

/** The host as it goes into a URL: wildcard addresses become loopback, IPv6 gets brackets. */
function displayHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}
