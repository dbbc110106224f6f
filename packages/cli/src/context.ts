import { homedir, hostname } from "node:os";
import { join, resolve } from "node:path";
import { ParleyClient, type ClientOptions, type Profile } from "@parley/client";
import { SqliteLocalStore, nodeSocketFactory } from "@parley/client/node";
import { readPassword } from "./password.js";
import { toWebSocketUrl } from "./serverUrl.js";
import { UsageError } from "./errors.js";

/** Options every client command shares: where the server is and which profile to use. */
export interface GlobalOptions {
  server?: string;
  profile?: string;
  "tls-fingerprint"?: string;
}

export function profileDir(g: GlobalOptions): string {
  return resolve(g.profile ?? process.env.PARLEY_PROFILE ?? join(homedir(), ".parley"));
}

function serverUrls(g: GlobalOptions): string[] | undefined {
  const raw = g.server ?? process.env.PARLEY_SERVER;
  if (!raw) return undefined;
  return raw.split(",").map((s) => toWebSocketUrl(s));
}

/** The server URLs to use: those given, else the ones the profile remembers, else the local default. */
export function urlsFor(g: GlobalOptions, saved: Profile | undefined): string[] {
  return serverUrls(g) ?? saved?.serverUrls ?? [saved?.serverUrl ?? toWebSocketUrl("http://127.0.0.1:8448")];
}

/** Client options every command shares: the profile's store, TLS pinning, device name, backoff. */
export function baseOptions(g: GlobalOptions, store: SqliteLocalStore, program = "parley-cli"): Omit<ClientOptions, "serverUrl"> {
  const fp = g["tls-fingerprint"] ?? process.env.PARLEY_TLS_FINGERPRINT;
  return {
    store,
    socketFactory: nodeSocketFactory(fp ? { tlsFingerprint: fp } : {}),
    deviceName: `${program}@${hostname()}`.slice(0, 64),
    maxBackoffMs: 5_000,
  };
}

/** Opens the profile's logged-in client (the server URL comes from the profile unless given). */
export async function openClient(g: GlobalOptions): Promise<ParleyClient> {
  const store = new SqliteLocalStore(profileDir(g));
  try {
    const urls = serverUrls(g);
    return await ParleyClient.open({ ...baseOptions(g, store), ...(urls ? { serverUrl: urls } : {}) });
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** Registers or logs in, asking for the password. */
export async function authenticate(g: GlobalOptions, mode: "register" | "login", username: string, deviceName?: string): Promise<ParleyClient> {
  const store = new SqliteLocalStore(profileDir(g));
  try {
    const saved = await store.getProfile();
    const urls = urlsFor(g, saved);
    if (!/^[a-z0-9][a-z0-9_.-]{1,31}$/.test(username)) {
      throw new UsageError("a username is 2 to 32 characters: lower-case letters, digits, '_', '.', '-'");
    }
    const password = await readPassword(`Password for ${username}: `, { confirm: mode === "register" && !process.env.PARLEY_PASSWORD });
    const opts: ClientOptions = { ...baseOptions(g, store), serverUrl: urls, ...(deviceName ? { deviceName } : {}) };
    return mode === "register" ? await ParleyClient.register(opts, username, password) : await ParleyClient.login(opts, username, password);
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** Runs `task` with an open client and always closes it. */
export async function withClient<T>(g: GlobalOptions, task: (c: ParleyClient) => Promise<T>): Promise<T> {
  const client = await openClient(g);
  try {
    return await task(client);
  } finally {
    await client.close();
  }
}
