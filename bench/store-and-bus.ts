/**
 * Throughput of the scale-out tiers, for docs/operations.md: log appends per second on SQLite and
 * on PostgreSQL (one hot conversation, and many), and Redis bus latency and rate between two
 * instances. Loopback only, bounded in count and time; the figures are written to
 * bench/results/store-and-bus.json and printed as a Markdown table.
 *
 *   npm run build && node --conditions=parley-src --import tsx bench/store-and-bus.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { newConversationId, newDeviceId, newMessageId } from "@parley/protocol";
import { PostgresStore, RedisBus, SqliteStore, SQLITE_FILE_NAME, type BusEvent, type Store } from "@parley/server";
import { createTestDatabase, REDIS_URL, uniqueRedisPrefix } from "../test/services.js";

const CIPHERTEXT = randomBytes(300).toString("base64"); // a padded short text message
const T0 = Date.now();

interface Member {
  username: string;
  deviceId: string;
}

async function seed(store: Store, conversations: number): Promise<{ member: Member; conversationIds: string[] }> {
  const username = `u${randomBytes(3).toString("hex")}`;
  await store.createUser({ username, opaqueRecord: "x", identityKey: "x", backup: "x", createdAt: T0 });
  const tokenHash = randomBytes(32);
  await store.createSession({ tokenHash, username, deviceId: null, createdAt: T0, expiresAt: T0 + 1e9 });
  const member = { username, deviceId: newDeviceId() };
  await store.registerDevice({ ...member, name: "b", credential: "x", signatureKey: "x", createdAt: T0 }, tokenHash, 50);
  const conversationIds: string[] = [];
  for (let i = 0; i < conversations; i++) {
    const conversationId = newConversationId();
    await store.createConversation({ conversationId, kind: "group", name: "", creator: member, peer: null, groupInfo: null, createdAt: T0 });
    conversationIds.push(conversationId);
  }
  return { member, conversationIds };
}

/** Runs `total` appends with `concurrency` in flight, spread over the stores and conversations. */
async function appends(stores: Store[], member: Member, conversationIds: string[], total: number, concurrency: number): Promise<number> {
  let next = 0;
  const worker = async (w: number) => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const r = await stores[w % stores.length]!.appendApplication({
        conversationId: conversationIds[i % conversationIds.length]!,
        sender: member,
        epoch: 0,
        messageId: newMessageId(),
        ciphertext: CIPHERTEXT,
        now: T0,
      });
      if (r.kind !== "ok") throw new Error(`append failed: ${r.kind}`);
    }
  };
  const t = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return Math.round(total / ((performance.now() - t) / 1000));
}

async function sqliteFigures() {
  const dir = mkdtempSync(join(tmpdir(), "parley-bench-"));
  try {
    const store = new SqliteStore(join(dir, SQLITE_FILE_NAME));
    const { member, conversationIds } = await seed(store, 100);
    const one = await appends([store], member, conversationIds.slice(0, 1), 5_000, 1);
    const many = await appends([store], member, conversationIds, 5_000, 1);
    await store.close();
    return { oneConversation: one, hundredConversations: many };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresFigures() {
  const db = await createTestDatabase();
  try {
    const a = await PostgresStore.connect(db.url, { maxConnections: 16 });
    const b = await PostgresStore.connect(db.url, { maxConnections: 16 });
    const { member, conversationIds } = await seed(a, 100);
    const one = await appends([a, b], member, conversationIds.slice(0, 1), 3_000, 16);
    const many = await appends([a, b], member, conversationIds, 5_000, 32);
    await Promise.all([a.close(), b.close()]);
    return { oneConversation: one, hundredConversations: many };
  } finally {
    await db.drop();
  }
}

async function redisFigures() {
  const prefix = uniqueRedisPrefix();
  const a = await RedisBus.connect(REDIS_URL, { prefix });
  const b = await RedisBus.connect(REDIS_URL, { prefix });
  try {
    const sentAt = new Map<number, number>();
    const latencies: number[] = [];
    let got = 0;
    let live!: () => void;
    const ready = new Promise<void>((r) => (live = r));
    b.subscribe("conversation:bench", (e: BusEvent) => {
      if (e.type === "subscribed") return live();
      if (e.type !== "appended") return;
      got++;
      const t = sentAt.get(e.seq);
      if (t !== undefined) latencies.push(performance.now() - t);
    });
    await ready;
    // Latency: one event at a time.
    for (let seq = 1; seq <= 1_000; seq++) {
      const before = got;
      sentAt.set(seq, performance.now());
      await a.publish("conversation:bench", { type: "appended", conversationId: "bench", seq });
      while (got === before) await new Promise((r) => setImmediate(r));
    }
    latencies.sort((x, y) => x - y);
    // Rate: 20,000 events, 64 in flight.
    sentAt.clear();
    const start = got;
    const t = performance.now();
    for (let i = 0; i < 20_000; i += 64) {
      await Promise.all(Array.from({ length: 64 }, (_, k) => a.publish("conversation:bench", { type: "appended", conversationId: "bench", seq: 10_000 + i + k })));
    }
    while (got - start < 20_000 && performance.now() - t < 30_000) await new Promise((r) => setTimeout(r, 1));
    const rate = Math.round((got - start) / ((performance.now() - t) / 1000));
    const q = (p: number) => Math.round(latencies[Math.floor(p * (latencies.length - 1))]! * 1000) / 1000;
    return { latencyMsP50: q(0.5), latencyMsP99: q(0.99), eventsPerSecond: rate };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

const results = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version },
  appendsPerSecond: { sqlite: await sqliteFigures(), postgres: await postgresFigures() },
  redisBus: await redisFigures(),
};
mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
writeFileSync(join(import.meta.dirname, "results", "store-and-bus.json"), JSON.stringify(results, null, 2) + "\n");
const r = results;
console.log(`| measure | figure |
| --- | --- |
| SQLite appends/s, one conversation, 1 writer | ${r.appendsPerSecond.sqlite.oneConversation} |
| SQLite appends/s, 100 conversations, 1 writer | ${r.appendsPerSecond.sqlite.hundredConversations} |
| PostgreSQL appends/s, one conversation, 2 instances × 8 | ${r.appendsPerSecond.postgres.oneConversation} |
| PostgreSQL appends/s, 100 conversations, 2 instances × 16 | ${r.appendsPerSecond.postgres.hundredConversations} |
| Redis bus publish→listener latency p50 / p99 (ms) | ${r.redisBus.latencyMsP50} / ${r.redisBus.latencyMsP99} |
| Redis bus events/s, one publisher to one listener | ${r.redisBus.eventsPerSecond} |`);
