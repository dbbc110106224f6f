/**
 * @parley/server: the Parley relay and MLS Delivery Service. It stores and forwards ciphertext it
 * cannot read, authenticates accounts with OPAQUE, and orders each conversation's handshakes.
 */
export { startServer, type ParleyServer } from "./server.js";
export {
  defaultServerConfig,
  resolveConfig,
  type ServerConfig,
  type ServerOptions,
  type TlsConfig,
  type RateLimitConfig,
  type HttpHook,
} from "./config.js";
export { LOG_LEVELS, createLogger, isLogLevel, silentLogger, type Logger, type LogLevel, type LogFields } from "./log.js";
export type * from "./store/Store.js";
export { SqliteStore, SQLITE_FILE_NAME } from "./store/sqlite/SqliteStore.js";
export { topics, type Bus, type BusEvent, type BusListener } from "./bus/Bus.js";
export { MemoryBus } from "./bus/memoryBus.js";
export { RedisBus, type RedisBusOptions } from "./bus/redisBus.js";
export { PostgresStore, type PostgresStoreOptions } from "./store/postgres/PostgresStore.js";
export { loadTls, fingerprintOf, type TlsMaterial } from "./tls/tls.js";
export { createStaticHook, isWebAppBuilt, type StaticHookOptions } from "./http/staticFiles.js";
export { WEB_APP_CSP } from "./http/contentSecurityPolicy.js";

import { SqliteStore } from "./store/sqlite/SqliteStore.js";
import type { Store } from "./store/Store.js";

/** The default store: SQLite in `dataDir`, or in memory when dataDir is null. */
export function createStore(dataDir: string | null): Store {
  return dataDir === null ? new SqliteStore(":memory:") : SqliteStore.openInDir(dataDir);
}
export { startCluster, type ClusterOptions, type ParleyCluster } from "./cluster/startCluster.js";
export type { WorkerServerOptions } from "./cluster/workerSpec.js";
export { IpcBus, type IpcLink } from "./cluster/ipcBus.js";
export { BusRelay } from "./cluster/busRelay.js";
