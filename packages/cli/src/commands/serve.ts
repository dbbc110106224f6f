import { resolve } from "node:path";
import { homedir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { availableParallelism } from "node:os";
import { LOG_LEVELS, createStaticHook, isLogLevel, isWebAppBuilt, startCluster, startServer, type ServerOptions, type WorkerServerOptions } from "@parley/server";
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

/** `parley serve`: runs the server until SIGINT/SIGTERM, then shuts down gracefully. */
export async function serve(f: ServeFlags): Promise<void> {
  const port = f.port === undefined ? (process.env.PARLEY_PORT ? Number(process.env.PARLEY_PORT) : 8448) : Number(f.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not ${f.port}`);
  let tls: ServerOptions["tls"] = null;
  if (f.tls !== undefined) {
    if (f.tls !== "self-signed") throw new UsageError("--tls takes 'self-signed' (or give --tls-cert and --tls-key)");
    tls = "self-signed";
  } else if (f["tls-cert"] || f["tls-key"]) {
    if (!f["tls-cert"] || !f["tls-key"]) throw new UsageError("--tls-cert and --tls-key go together");
    tls = { certFile: resolve(f["tls-cert"]), keyFile: resolve(f["tls-key"]) };
  }
  const level = f["log-level"] ?? process.env.PARLEY_LOG_LEVEL ?? "info";
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, not ${level}`);
  const dataDir = resolve(f.data ?? process.env.PARLEY_DATA ?? join(homedir(), ".parley-server"));
  const webDir = webAppDir();
  const databaseUrl = nonEmpty(f.db ?? process.env.PARLEY_DB);
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new UsageError("--db takes a postgres:// URL");
  const redisUrl = nonEmpty(f.redis ?? process.env.PARLEY_REDIS);
  if (redisUrl !== null && !/^rediss?:\/\//.test(redisUrl)) throw new UsageError("--redis takes a redis:// URL");
  const redisPrefix = nonEmpty(f["redis-prefix"] ?? process.env.PARLEY_REDIS_PREFIX) ?? undefined;
  const poolText = nonEmpty(f["db-pool"] ?? process.env.PARLEY_DB_POOL);
  const databasePoolSize = poolText === null ? undefined : Number(poolText);
  if (databasePoolSize !== undefined && !(Number.isInteger(databasePoolSize) && databasePoolSize > 0)) {
    throw new UsageError(`--db-pool must be a positive whole number, not ${poolText}`);
  }
  const workers = parseWorkers(f.workers ?? process.env.PARLEY_WORKERS);
  const options: WorkerServerOptions = {
    host: f.host ?? process.env.PARLEY_HOST ?? "127.0.0.1",
    port,
    dataDir,
    databaseUrl,
    databasePoolSize,
    redisUrl,
    redisPrefix,
    tls,
    log: level,
  };
  const server =
    workers === 1
      ? await startServer({ ...options, httpHook: webDir ? createStaticHook({ root: webDir }) : null })
      : await startCluster({ workers, options, webDir });
  const lines = [`Parley server listening on ${server.url}`, databaseUrl ? `data: PostgreSQL at ${redact(databaseUrl)}` : `data: ${dataDir}`];
  if (redisUrl) lines.push(`bus: Redis at ${redact(redisUrl)}`);
  if (workers > 1) lines.push(`workers: ${workers} processes sharing port ${server.port}`);
  lines.push(webDir ? `web app: ${server.url}/` : "web app: not built (npm run build), not served");
  if (server.tlsFingerprint) lines.push(`TLS certificate SHA-256 fingerprint: ${server.tlsFingerprint}`, `clients pin it with --tls-fingerprint ${server.tlsFingerprint}`);
  process.stdout.write(lines.join("\n") + "\n");
  // A cluster can also stop by itself (its workers kept crashing): then exit non-zero.
  const gaveUp = "stopped" in server ? server.stopped : new Promise<null>(() => {});
  const failure = await new Promise<Error | null>((done) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write("shutting down…\n");
      server.close().then(() => done(null), done);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    void gaveUp.then((error) => error && done(error));
  });
  if (failure) throw failure;
}

/** --workers: a whole number from 1 to 64, or "auto" (one per core). */
function parseWorkers(text: string | undefined): number {
  if (text === undefined || text === "") return 1;
  if (text === "auto") return Math.max(1, availableParallelism());
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError(`--workers must be a whole number from 1 to 64, or auto, not ${text}`);
  return n;
}

/** The built web app (packages/web/dist), if the workspace has one. */
function webAppDir(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve("@parley/web/package.json")), "dist");
    return isWebAppBuilt(dir) ? dir : null;
  } catch {
    return null;
  }
}

function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v === "" ? null : v;
}

/** A service URL as it may be printed: host, port and path, never the password. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    u.password = "";
    u.username = "";
    u.search = "";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}
