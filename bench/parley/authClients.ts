/**
 * Registrations and logins against a Parley server, for scenario 3: each is a fresh WebSocket
 * connection doing the real OPAQUE exchange (register.start/finish, login.start/finish). The
 * bench accounts use OPAQUE with minimal client-side key stretching: stretching (Argon2id, 64 MiB) is
 * the client's cost and the server never sees it, so leaving it out lets a few client processes
 * load the server instead of themselves.
 *   <- { cmd: "run", wsUrl, mode: "register" | "login", usernames, concurrency }
 *   -> { done: { ok, failed } }
 */
import { randomBytes } from "node:crypto";
import * as opaque from "@serenity-kit/opaque";
import WebSocket from "ws";

const PASSWORD = "bench password, not secret";
/** The cheapest Argon2id the library accepts (8 KiB, one pass): see the note above. */
const MINIMAL_STRETCHING = { "argon2id-custom": { iterations: 1, memory: 8, parallelism: 1 } };
const BACKUP_BYTES = 61;

function session(wsUrl: string) {
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  let id = 0;
  const waiting = new Map<number, (f: Record<string, unknown>) => void>();
  ws.on("message", (d) => {
    const f = JSON.parse(d.toString()) as Record<string, unknown>;
    waiting.get(f.id as number)?.(f);
  });
  const opened = new Promise<void>((resolve, reject) => ws.once("open", resolve).once("error", reject));
  return {
    async request(type: string, body: unknown): Promise<Record<string, unknown>> {
      await opened;
      const n = ++id;
      return new Promise((resolve) => {
        waiting.set(n, resolve);
        ws.send(JSON.stringify({ id: n, type, body }));
      });
    },
    close: () => ws.terminate(),
  };
}

async function register(wsUrl: string, username: string): Promise<boolean> {
  const s = session(wsUrl);
  try {
    const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password: PASSWORD });
    const a = await s.request("register.start", { username, request: registrationRequest });
    if (a.type !== "ok") throw new Error(`${String(a.code)} ${String(a.message)}`);
    const { registrationRecord } = opaque.client.finishRegistration({
      clientRegistrationState,
      registrationResponse: (a.result as { response: string }).response,
      password: PASSWORD,
      keyStretching: MINIMAL_STRETCHING,
    });
    const b = await s.request("register.finish", {
      username,
      record: registrationRecord,
      identityKey: randomBytes(32).toString("base64"),
      backup: randomBytes(BACKUP_BYTES).toString("base64"),
    });
    return b.type === "ok";
  } finally {
    s.close();
  }
}

async function login(wsUrl: string, username: string): Promise<boolean> {
  const s = session(wsUrl);
  try {
    const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password: PASSWORD });
    const a = await s.request("login.start", { username, request: startLoginRequest });
    if (a.type !== "ok") throw new Error(`${String(a.code)} ${String(a.message)}`);
    const finished = opaque.client.finishLogin({
      clientLoginState,
      loginResponse: (a.result as { response: string }).response,
      password: PASSWORD,
      keyStretching: MINIMAL_STRETCHING,
    });
    if (!finished) return false;
    const b = await s.request("login.finish", { request: finished.finishLoginRequest });
    return b.type === "ok";
  } finally {
    s.close();
  }
}

process.on("message", async (m: { cmd: string; wsUrl: string; mode: "register" | "login"; usernames: string[]; concurrency: number }) => {
  if (m.cmd !== "run") return;
  await opaque.ready;
  let ok = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < m.usernames.length) {
      const u = m.usernames[next++]!;
      if (await (m.mode === "register" ? register : login)(m.wsUrl, u).catch((e: unknown) => (failed === 0 && console.error("auth:", String(e)), false))) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: m.concurrency }, worker));
  process.send!({ done: { ok, failed } }, () => process.exit(0));
});
