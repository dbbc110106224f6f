/**
 * End-to-end harness: real `parley serve` processes (the built CLI) on loopback with real SQLite
 * files in temporary directories, and real clients (the SDK in-process, or the CLI as processes).
 */
import { before, after } from "node:test";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Emitter, ParleyClient, type ClientEvents } from "@parley/client";
import { SqliteLocalStore, nodeSocketFactory } from "@parley/client/node";

export const ROOT = resolve(import.meta.dirname, "../..");
export const CLI = join(ROOT, "packages/cli/dist/main.js");

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `parley-${prefix}-`));
}

export interface ServerProcess {
  url: string;
  /** What the server printed on stdout so far. */
  output(): string;
  port: number;
  dataDir: string;
  child: ChildProcess;
  /** Ends the process with SIGKILL: no chance to flush or say goodbye. */
  kill(): Promise<void>;
  /** Graceful stop (SIGTERM). */
  stop(): Promise<void>;
}

/** Starts `parley serve` on the given port (0: a free one) and waits for its "listening" line. */
export async function startServerProcess(opts: { dataDir?: string; port?: number; args?: string[] } = {}): Promise<ServerProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first`);
  const dataDir = opts.dataDir ?? tempDir("server");
  const child = spawn(process.execPath, [CLI, "serve", "--port", String(opts.port ?? 0), "--data", dataDir, "--log-level", "warn", ...(opts.args ?? [])], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  let out = "";
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start in time: ${stderr}`)), 20_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`server exited with ${code}: ${stderr}`));
    });
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await new Promise((r) => setTimeout(r, 50));
  return {
    url,
    output: () => out,
    port: Number(new URL(url).port),
    dataDir,
    child,
    kill: async () => {
      child.kill("SIGKILL");
      await exited;
    },
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export const wsUrl = (httpUrl: string) => httpUrl.replace(/^http/, "ws").replace(/\/?$/, "/ws");

export interface TestClient {
  client: ParleyClient;
  profileDir: string;
  /** Every event of each kind, in order, since the client started. */
  seen: { [K in keyof ClientEvents]: ClientEvents[K][] };
}

/** One server, or several instances of one deployment (tried in turn, the first one first). */
export type ServerUrls = string | string[];

/** How a test client reaches the server beyond its URL. */
export interface Reach {
  /** Pin a TLS certificate by its SHA-256 fingerprint (self-signed servers and proxies). */
  tlsFingerprint?: string;
}

function options(serverUrl: ServerUrls, profileDir: string, events: Emitter<ClientEvents>, deviceName = "test", reach: Reach = {}) {
  return {
    events,
    serverUrl: Array.isArray(serverUrl) ? serverUrl.map(wsUrl) : wsUrl(serverUrl),
    store: new SqliteLocalStore(profileDir),
    socketFactory: nodeSocketFactory(reach.tlsFingerprint ? { tlsFingerprint: reach.tlsFingerprint } : {}),
    deviceName,
    minBackoffMs: 50,
    maxBackoffMs: 500,
    keyPackageTarget: 6,
  };
}

/** An emitter that records every event, attached before the client connects so nothing is missed. */
function recorder(): { events: Emitter<ClientEvents>; seen: TestClient["seen"] } {
  const events = new Emitter<ClientEvents>();
  const seen = {} as TestClient["seen"];
  const kinds: (keyof ClientEvents)[] = ["message", "message-state", "typing", "joined", "membership", "removed", "key-changed", "undecryptable", "security", "connection", "session-ended", "error"];
  for (const k of kinds) {
    const list: unknown[] = [];
    (seen as Record<string, unknown[]>)[k] = list;
    events.on(k, (p) => list.push(p));
  }
  return { events, seen };
}

export async function registerClient(serverUrl: ServerUrls, username: string, password = `pw-${username}-correct horse`, reach: Reach = {}): Promise<TestClient> {
  const profileDir = tempDir(`profile-${username}`);
  const { events, seen } = recorder();
  const client = await ParleyClient.register(options(serverUrl, profileDir, events, "test", reach), username, password);
  return { client, profileDir, seen };
}

export async function loginClient(serverUrl: ServerUrls, username: string, profileDir = tempDir(`profile-${username}`), password = `pw-${username}-correct horse`): Promise<TestClient> {
  const { events, seen } = recorder();
  const client = await ParleyClient.login(options(serverUrl, profileDir, events, "second"), username, password);
  return { client, profileDir, seen };
}

/** Re-opens a profile's stored session (a restarted app). */
export async function reopenClient(serverUrl: ServerUrls, profileDir: string): Promise<TestClient> {
  const { events, seen } = recorder();
  const client = await ParleyClient.open(options(serverUrl, profileDir, events));
  return { client, profileDir, seen };
}

/** Waits until `predicate` holds, checking after every event loop turn, or fails after timeoutMs. */
export async function eventually(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function texts(t: TestClient, conversationId?: string): string[] {
  return t.seen.message
    .filter((m) => m.direction === "in" && (!conversationId || m.conversationId === conversationId))
    .map((m) => ("text" in m.envelope ? m.envelope.text : `[${m.envelope.kind}]`));
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** Reads a conversation's stored log straight from the server's SQLite file (read-only, beside the live server). */
export async function serverEntries(dataDir: string, conversationId: string): Promise<Array<{ seq: number; kind: string; data: string | null }>> {
  const { default: Database } = await import("better-sqlite3");
  const { readdirSync } = await import("node:fs");
  const file = readdirSync(dataDir).find((f) => f.endsWith(".db") || f.endsWith(".sqlite"));
  if (!file) throw new Error(`no database file in ${dataDir}`);
  const db = new Database(join(dataDir, file), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT seq, kind, data FROM entries WHERE conversation_id = ? ORDER BY seq").all(conversationId) as Array<{ seq: number; kind: string; data: string | null }>;
  } finally {
    db.close();
  }
}

/**
 * One `parley serve` process for a whole test file, started before its tests and stopped after
 * them, with every client the tests register closed first.
 */
export function serverPerFile(opts: Parameters<typeof startServerProcess>[0] = {}): { readonly server: ServerProcess; clients: TestClient[] } {
  let server: ServerProcess | undefined;
  const ctx = {
    get server(): ServerProcess {
      if (!server) throw new Error("the server is not started yet");
      return server;
    },
    clients: [] as TestClient[],
  };
  before(async () => {
    server = await startServerProcess(opts);
  });
  after(async () => {
    for (const c of ctx.clients) await c.client.close();
    await server?.stop();
  });
  return ctx;
}
