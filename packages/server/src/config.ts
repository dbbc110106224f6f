import { defaultLimits, type Limits } from "@parley/protocol";
import type { Logger, LogLevel } from "./log.js";
import type { Store } from "./store/Store.js";
import type { Bus } from "./bus/Bus.js";
import type { IncomingMessage, ServerResponse } from "node:http";

/** TLS: certificate and key files (PEM), or a self-signed certificate kept in the data dir. */
export type TlsConfig = { certFile: string; keyFile: string } | "self-signed";

/** A token bucket: `burst` requests at once, refilled at `perSecond`. */
export interface RateLimitConfig {
  perSecond: number;
  burst: number;
  /** Rejected requests in a row after which the connection is closed with CloseCode.RateLimited. */
  closeAfterRejected: number;
}

/**
 * Serves requests the gateway does not handle itself (for the web app). Returns false when it did
 * not answer, and the gateway replies 404.
 */
export type HttpHook = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface ServerConfig {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Where the SQLite database and the self-signed certificate live; null keeps everything in memory. */
  dataDir: string | null;
  /** null serves plain HTTP/WS (behind a TLS-terminating proxy, or on loopback). */
  tls: TlsConfig | null;
  limits: Limits;
  /** Lifetime of a session token from login. */
  sessionTtlMs: number;
  /** A connection that has not logged in or resumed a session by then is closed (CloseCode.AuthTimeout). */
  authTimeoutMs: number;
  /** Log entries and queued Welcomes older than this are deleted, acked or not. */
  retentionMs: number;
  /** How often the retention sweep runs; 0 disables the timer (the sweep stays callable). */
  retentionSweepIntervalMs: number;
  /** Invalid frames (bad JSON, unknown type, invalid body, wrong auth level) before CloseCode.TooManyErrors. */
  maxBadFrames: number;
  /** Requests waiting on one connection while an earlier one is handled; more are refused with RATE_LIMITED. */
  maxQueuedRequests: number;
  /** Requests of any type, per connection. */
  rateLimit: RateLimitConfig;
  /** OPAQUE steps (register.start, login.start), per connection: each costs the server real work. */
  authRateLimit: RateLimitConfig;
  /** Above this many bytes waiting in a socket's send buffer, pushing pauses until the buffer drains. */
  sendBufferHighWaterBytes: number;
  /** Above this many, the connection is closed with CloseCode.SlowConsumer. Must exceed limits.maxFrameBytes. */
  sendBufferMaxBytes: number;
  /** Non-revoked devices one account may have. */
  maxDevicesPerUser: number;
  /** Open WebSocket connections per server; more are refused with HTTP 503. */
  maxConnections: number;
  /** How long close() waits for connections to say goodbye before cutting them. */
  shutdownGraceMs: number;
  /** A Logger, or a level for the built-in JSON-lines logger on stderr ("silent" in tests). */
  log: Logger | LogLevel;
  /**
   * A PostgreSQL URL (postgres://…): keep everything there instead of SQLite in dataDir, so that
   * several instances can share it. dataDir then holds only the self-signed certificate, if any.
   */
  databaseUrl: string | null;
  /** Connections to PostgreSQL this instance keeps open at most. */
  databasePoolSize: number;
  /** A Redis URL (redis://…): fan out through Redis pub/sub, to every instance, instead of in-process. */
  redisUrl: string | null;
  /** Prefixed to every Redis channel (deployments or test runs sharing one Redis). */
  redisPrefix: string;
  /** A store to use instead of SQLite in dataDir (the caller keeps ownership and closes it). */
  store: Store | null;
  /** A bus to use instead of the in-process one (the caller keeps ownership and closes it). */
  bus: Bus | null;
  /** Serves other HTTP paths (the web app). */
  httpHook: HttpHook | null;
  /** The clock, in milliseconds since the Unix epoch (tests move time without sleeping). */
  now: () => number;
}

/** What callers pass: any subset, with nested objects merged field by field. */
export type ServerOptions = Partial<Omit<ServerConfig, "limits" | "rateLimit" | "authRateLimit">> & {
  limits?: Partial<Limits>;
  rateLimit?: Partial<RateLimitConfig>;
  authRateLimit?: Partial<RateLimitConfig>;
};

const DAY = 24 * 60 * 60 * 1000;

export const defaultServerConfig: Readonly<ServerConfig> = Object.freeze({
  host: "127.0.0.1",
  port: 8448,
  dataDir: null,
  tls: null,
  limits: defaultLimits,
  sessionTtlMs: 30 * DAY,
  authTimeoutMs: 10_000,
  retentionMs: 30 * DAY,
  retentionSweepIntervalMs: 60 * 60 * 1000,
  maxBadFrames: 20,
  maxQueuedRequests: 64,
  rateLimit: Object.freeze({ perSecond: 50, burst: 200, closeAfterRejected: 100 }),
  authRateLimit: Object.freeze({ perSecond: 0.5, burst: 10, closeAfterRejected: 20 }),
  sendBufferHighWaterBytes: 1024 * 1024,
  sendBufferMaxBytes: 64 * 1024 * 1024,
  maxDevicesPerUser: 50,
  maxConnections: 10_000,
  shutdownGraceMs: 2_000,
  log: "info",
  databaseUrl: null,
  databasePoolSize: 10,
  redisUrl: null,
  redisPrefix: "parley:",
  store: null,
  bus: null,
  httpHook: null,
  now: Date.now,
});

/** Merges options over the defaults and checks the result; throws RangeError naming a bad field. */
export function resolveConfig(options: ServerOptions = {}): ServerConfig {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const config: ServerConfig = {
    ...defaultServerConfig,
    ...defined,
    limits: { ...defaultServerConfig.limits, ...options.limits },
    rateLimit: { ...defaultServerConfig.rateLimit, ...options.rateLimit },
    authRateLimit: { ...defaultServerConfig.authRateLimit, ...options.authRateLimit },
  };
  checkConfig(config);
  return config;
}

function checkConfig(c: ServerConfig): void {
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) throw new RangeError("port must be 0..65535");
  if (typeof c.host !== "string" || c.host === "") throw new TypeError("host must be a non-empty string");
  const positive: (keyof ServerConfig)[] = [
    "sessionTtlMs",
    "authTimeoutMs",
    "retentionMs",
    "maxBadFrames",
    "maxQueuedRequests",
    "sendBufferHighWaterBytes",
    "sendBufferMaxBytes",
    "maxDevicesPerUser",
    "maxConnections",
    "databasePoolSize",
  ];
  for (const key of positive) {
    const v = c[key];
    if (typeof v !== "number" || !(v > 0)) throw new RangeError(`${key} must be a positive number`);
  }
  if (c.retentionSweepIntervalMs < 0) throw new RangeError("retentionSweepIntervalMs must be >= 0");
  if (c.sendBufferMaxBytes <= c.limits.maxFrameBytes) {
    throw new RangeError("sendBufferMaxBytes must exceed limits.maxFrameBytes");
  }
  for (const name of ["rateLimit", "authRateLimit"] as const) {
    const r = c[name];
    if (!(r.perSecond > 0) || !(r.burst >= 1) || !(r.closeAfterRejected >= 1)) {
      throw new RangeError(`${name} needs perSecond > 0, burst >= 1, closeAfterRejected >= 1`);
    }
  }
  if (c.databaseUrl !== null && !/^postgres(ql)?:\/\//.test(c.databaseUrl)) {
    throw new RangeError("databaseUrl must be a postgres:// or postgresql:// URL");
  }
  if (c.redisUrl !== null && !/^rediss?:\/\//.test(c.redisUrl)) throw new RangeError("redisUrl must be a redis:// or rediss:// URL");
  if (c.tls === "self-signed" || c.tls === null) return;
  if (typeof c.tls.certFile !== "string" || typeof c.tls.keyFile !== "string") {
    throw new TypeError("tls must be \"self-signed\" or { certFile, keyFile }");
  }
}
