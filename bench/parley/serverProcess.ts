/**
 * The Parley server as the benchmark runs it: its own process, loopback only, a real SQLite file
 * in a temporary directory, seeded with bench clients. The per-connection request rate limit is
 * raised (a load generator drives thousands of messages a second through few connections); every
 * other setting is the default. Talks to the orchestrator over the IPC channel:
 *   -> { ready, wsUrl, seeded }            once listening
 *   <- { cmd: "stats" } -> { stats: { rssBytes, heapUsedBytes, externalBytes, connections } }
 *   <- { cmd: "stop" }                      closes and exits
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { SqliteStore, startServer } from "@parley/server";
import { seed, type SeedSpec } from "./seed.js";

const { values } = parseArgs({
  options: {
    data: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    seed: { type: "string" },
    "max-connections": { type: "string", default: "20000" },
    /** OPAQUE steps per second per connection (the login scenario raises it). */
    "auth-rate": { type: "string" },
  },
});
if (!values.data || !values.seed || !process.send) throw new Error("usage: serverProcess --data DIR --seed SPEC.json (with an IPC channel)");
const send = (m: unknown) => process.send!(m);

const store = SqliteStore.openInDir(values.data);
const spec = JSON.parse(readFileSync(values.seed, "utf8")) as SeedSpec;
const seeded = await seed(store, spec);
const server = await startServer({
  host: values.host,
  port: 0,
  store,
  log: "warn",
  retentionSweepIntervalMs: 0,
  maxConnections: Number(values["max-connections"]),
  maxQueuedRequests: 4096,
  rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
  ...(values["auth-rate"] ? { authRateLimit: { perSecond: Number(values["auth-rate"]), burst: Number(values["auth-rate"]) } } : {}),
  // A bench client may be told to stop reading for a moment; do not cut it off.
  authTimeoutMs: 600_000,
});

process.on("message", async (m: { cmd: string }) => {
  if (m.cmd === "stats") {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const mem = process.memoryUsage();
    send({ stats: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, externalBytes: mem.external, connections: server.connectionCount() } });
  } else if (m.cmd === "stop") {
    await server.close();
    await store.close();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));
send({ ready: true, wsUrl: server.wsUrl, seeded });
