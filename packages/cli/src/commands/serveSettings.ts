/**
 * `parley serve`'s settings: each from its flag, else its PARLEY_* environment variable, else its
 * default. A value that cannot be used is a UsageError naming where it came from (the flag or the
 * variable), with what is allowed and what was given.
 */
import { availableParallelism, homedir } from "node:os";
import { join, resolve } from "node:path";
import { LOG_LEVELS, isLogLevel, type LogLevel, type ServerOptions } from "@parley/server";
import { UsageError } from "../errors.js";

export interface ServeFlags {
  host?: string;
  port?: string;
  data?: string;
  "tls-cert"?: string;
  "tls-key"?: string;
  tls?: string;
  "log-level"?: string;
  db?: string;
  redis?: string;
  "redis-prefix"?: string;
  "db-pool"?: string;
  workers?: string;
}

export interface ServeSettings {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | null;
  databasePoolSize: number | undefined;
  redisUrl: string | null;
  redisPrefix: string | undefined;
  tls: ServerOptions["tls"];
  log: LogLevel;
  workers: number;
}

type Env = Record<string, string | undefined>;

/**
 * The flag's value, else the variable's, and which one it was. An empty value means the default:
 * a flag given empty still overrides its variable (`--db ""` is SQLite whatever PARLEY_DB says),
 * and a script's `--port "$PORT"` with PORT unset means port 8448.
 */
function setting(f: ServeFlags, flag: keyof ServeFlags, env: Env, variable: string): { text: string | null; from: string } {
  const given = f[flag];
  if (given !== undefined) return { text: given === "" ? null : given, from: `--${flag}` };
  const text = env[variable];
  return { text: text === undefined || text === "" ? null : text, from: variable };
}

/** A whole number written as digits only: Number() would also take " ", "0x1F90" and "1e3". */
function wholeNumber(text: string): number {
  return /^\d{1,9}$/.test(text) ? Number(text) : NaN;
}

export function serveSettings(f: ServeFlags, env: Env = process.env): ServeSettings {
  const portSetting = setting(f, "port", env, "PARLEY_PORT");
  const port = portSetting.text === null ? 8448 : wholeNumber(portSetting.text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${portSetting.from} must be a port from 0 to 65535, not ${JSON.stringify(portSetting.text)}`);
  }

  let tls: ServerOptions["tls"] = null;
  if (f.tls !== undefined && f.tls !== "") {
    if (f.tls !== "self-signed") throw new UsageError("--tls takes 'self-signed' (or give --tls-cert and --tls-key)");
    tls = "self-signed";
  } else if (f["tls-cert"] || f["tls-key"]) {
    if (!f["tls-cert"] || !f["tls-key"]) throw new UsageError("--tls-cert and --tls-key go together");
    tls = { certFile: resolve(f["tls-cert"]), keyFile: resolve(f["tls-key"]) };
  }

  const levelSetting = setting(f, "log-level", env, "PARLEY_LOG_LEVEL");
  const log = levelSetting.text ?? "info";
  if (!isLogLevel(log)) throw new UsageError(`${levelSetting.from} must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(log)}`);

  const db = setting(f, "db", env, "PARLEY_DB");
  if (db.text !== null && !/^postgres(ql)?:\/\//.test(db.text)) throw new UsageError(`${db.from} takes a postgres:// URL`);
  const redis = setting(f, "redis", env, "PARLEY_REDIS");
  if (redis.text !== null && !/^rediss?:\/\//.test(redis.text)) throw new UsageError(`${redis.from} takes a redis:// URL`);

  const pool = setting(f, "db-pool", env, "PARLEY_DB_POOL");
  const databasePoolSize = pool.text === null ? undefined : wholeNumber(pool.text);
  if (databasePoolSize !== undefined && !(Number.isInteger(databasePoolSize) && databasePoolSize > 0)) {
    throw new UsageError(`${pool.from} must be a positive whole number, not ${JSON.stringify(pool.text)}`);
  }

  const workers = parseWorkers(setting(f, "workers", env, "PARLEY_WORKERS"));
  const data = setting(f, "data", env, "PARLEY_DATA");
  return {
    host: setting(f, "host", env, "PARLEY_HOST").text ?? "127.0.0.1",
    port,
    dataDir: resolve(data.text ?? join(homedir(), ".parley-server")),
    databaseUrl: db.text,
    databasePoolSize,
    redisUrl: redis.text,
    redisPrefix: setting(f, "redis-prefix", env, "PARLEY_REDIS_PREFIX").text ?? undefined,
    tls,
    log,
    workers,
  };
}

/** --workers: a whole number from 1 to 64, or "auto" (one per core); unset is 1. */
function parseWorkers({ text, from }: { text: string | null; from: string }): number {
  if (text === null) return 1;
  if (text === "auto") return Math.max(1, availableParallelism());
  const n = wholeNumber(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new UsageError(`${from} must be a whole number from 1 to 64, or auto, not ${JSON.stringify(text)}`);
  }
  return n;
}
