import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createStaticHook, isWebAppBuilt, startCluster, startServer, type WorkerServerOptions } from "@parley/server";
import { serveSettings, type ServeFlags } from "./serveSettings.js";

/** `parley serve`: runs the server until SIGINT/SIGTERM, then shuts down gracefully. */
export async function serve(f: ServeFlags): Promise<void> {
  const { workers, ...settings } = serveSettings(f);
  const { databaseUrl, redisUrl, dataDir } = settings;
  const webDir = webAppDir();
  const options: WorkerServerOptions = settings;
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

/** The built web app (packages/web/dist), if the workspace has one. */
function webAppDir(): string | null {
  try {
    const dir = join(dirname(createRequire(import.meta.url).resolve("@parley/web/package.json")), "dist");
    return isWebAppBuilt(dir) ? dir : null;
  } catch {
    return null;
  }
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
