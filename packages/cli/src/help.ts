/** Help texts: `parley --help` and `parley COMMAND --help`. Kept next to the dispatcher in main.ts. */
export const GLOBAL_OPTIONS = `Global options:
  --server URL            server to use (http(s)://host:port or ws(s)://host:port/ws; several, comma-separated,
                          are tried in turn). Default: PARLEY_SERVER, else the profile's server,
                          else http://127.0.0.1:8448
  --profile DIR           profile directory with this device's keys and history
                          (default: PARLEY_PROFILE, else ~/.parley)
  --tls-fingerprint HEX   pin a self-signed server certificate by its SHA-256 fingerprint
                          (as 'parley serve --tls self-signed' prints; or PARLEY_TLS_FINGERPRINT)
  -h, --help              show help
Passwords are asked for without echo; scripts may set PARLEY_PASSWORD instead.`;

export const COMMANDS: Record<string, { usage: string; summary: string; details?: string }> = {
  serve: {
    usage:
      "parley serve [--host H] [--port P] [--data DIR] [--db postgres://…] [--redis redis://…] [--tls self-signed | --tls-cert F --tls-key F] [--workers N] [--log-level L]",
    summary:
      "run a Parley server (HTTP + WebSocket and the web app at / on one port; SQLite in DIR, or PostgreSQL and Redis for several instances)",
    details: `  --host H          address to listen on (default 127.0.0.1; PARLEY_HOST)
  --port P          port (default 8448; 0 picks a free one; PARLEY_PORT)
  --data DIR        data directory; the SQLite database lives there (default ~/.parley-server; PARLEY_DATA)
  --db URL          keep everything in PostgreSQL (postgres://user:pass@host:port/db; PARLEY_DB) instead of
                    SQLite in DIR: several instances may share one database (see docs/operations.md)
  --db-pool N       PostgreSQL connections this instance keeps at most (default 10; PARLEY_DB_POOL)
  --redis URL       fan out through Redis pub/sub (redis://host:port; PARLEY_REDIS), so that a message
                    posted through one instance reaches devices connected to any other at once
  --redis-prefix P  prefix of every Redis channel (default "parley:"; PARLEY_REDIS_PREFIX)
  --tls self-signed make a certificate once, keep it in DIR, print its fingerprint for clients to pin
  --tls-cert F, --tls-key F   serve TLS with this PEM certificate and key
  --workers N       server processes sharing the port and the store (default 1; "auto": one per core;
                    PARLEY_WORKERS). With SQLite they share the one file; a worker that dies is replaced
  --log-level L     debug, info, warn, error or silent (default info; PARLEY_LOG_LEVEL)
  The web app (built by 'npm run build') is served at /; browsers need https:// except on localhost.`,
  },
  register: { usage: "parley register USER [--device-name NAME]", summary: "create an account and make this profile its first device" },
  login: { usage: "parley login USER [--device-name NAME]", summary: "log in; a new profile becomes a new device (restores the account key from the backup)" },
  logout: { usage: "parley logout", summary: "end this device's session (keys and history stay)" },
  whoami: { usage: "parley whoami", summary: "show the profile's user, device and server" },
  devices: { usage: "parley devices [--json] | parley devices revoke DEVICE_ID", summary: "list this account's devices, or revoke one (it is removed from every conversation)" },
  chat: {
    usage: "parley chat [--no-typing] [--no-receipts]",
    summary: "the interactive terminal client: conversations, messages, groups, verification (logs in or registers inside)",
    details: `  --no-typing     start without sending typing indicators (/typing on|off switches in the UI)
  --no-receipts   start without sending delivery and read receipts (/receipts on|off)
  Keys: Enter sends, Alt-Enter new line, Tab / Ctrl-N / Ctrl-P switch conversation, Alt-1..9 by number,
  PageUp/PageDown scroll, Ctrl-C or /quit quits. /help inside lists every command.`,
  },
  conversations: { usage: "parley conversations [--json]", summary: "list conversations" },
  send: {
    usage: "parley send TARGET TEXT",
    summary: "send a message; TARGET is a username (1:1, created on first use), a conversation id or a group name",
    details: "  TEXT '-' reads the message from standard input.",
  },
  read: {
    usage: "parley read [--follow] [--json]",
    summary: "print messages not shown before, and acknowledge them",
    details: `  --follow   keep running and print messages as they arrive (Ctrl-C to stop)
  --json     one JSON object a line: conversation, conversationId, sender {username, deviceId},
             messageId, seq, timestamp, kind, text`,
  },
  group: {
    usage: "parley group create NAME USER... | add CONV USER | remove CONV USER | leave CONV",
    summary: "manage group conversations (CONV is an id or a group name)",
  },
  "safety-number": { usage: "parley safety-number USER [--qr] [--json]", summary: "show the safety number with USER, to compare in person" },
  verify: { usage: "parley verify USER", summary: "mark USER verified after comparing safety numbers" },
  trust: { usage: "parley trust USER", summary: "accept USER's changed account key (sending to them is blocked until then)" },
};

export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`);
  return `parley — end-to-end encrypted chat: a server that cannot read your messages, and its clients

Usage: parley COMMAND [options]

Commands:
${lines.join("\n")}

${GLOBAL_OPTIONS}

Quick start: 'parley serve' in one terminal; 'parley register alice' and 'parley send bob hello' in another.
'parley COMMAND --help' shows a command's options.`;
}

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  if (!c) return mainHelp();
  return `Usage: ${c.usage}\n\n${c.summary}\n${c.details ? `\n${c.details}\n` : ""}${name === "serve" ? "" : `\n${GLOBAL_OPTIONS}`}`;
}
