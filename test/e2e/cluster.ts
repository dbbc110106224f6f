/**
 * Several `parley serve` processes sharing one PostgreSQL database and one Redis: one deployment
 * scaled out. Each cluster gets a fresh database and its own Redis channel prefix, so test files
 * can run side by side.
 */
import { createTestDatabase, type TestDatabase, uniqueRedisPrefix, REDIS_URL } from "../services.js";
import { startServerProcess, type ServerProcess, type TestClient } from "./harness.js";

export interface Cluster {
  db: TestDatabase;
  redisPrefix: string;
  servers: ServerProcess[];
  /** Every instance's URL, instance i first: a client "homed" on instance i that can fail over. */
  urlsFrom(i: number): string[];
  /** Starts instance i again (after a kill), on its old port. */
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

export function clusterArgs(dbUrl: string, redisPrefix: string): string[] {
  return ["--db", dbUrl, "--redis", REDIS_URL, "--redis-prefix", redisPrefix];
}

export async function startCluster(instances: number, db?: TestDatabase): Promise<Cluster> {
  const database = db ?? (await createTestDatabase());
  const redisPrefix = uniqueRedisPrefix();
  const args = clusterArgs(database.url, redisPrefix);
  // One at a time: the first applies the migrations, the others find them done.
  const servers: ServerProcess[] = [];
  for (let i = 0; i < instances; i++) servers.push(await startServerProcess({ args }));
  const cluster: Cluster = {
    db: database,
    redisPrefix,
    servers,
    urlsFrom: (i) => servers.map((_, k) => servers[(i + k) % servers.length]!.url),
    restart: async (i) => {
      servers[i] = await startServerProcess({ args, port: servers[i]!.port, dataDir: servers[i]!.dataDir });
    },
    stop: async () => {
      await Promise.all(servers.map((s) => (s.child.exitCode === null && s.child.signalCode === null ? s.stop() : undefined)));
      await database.drop();
    },
  };
  return cluster;
}

export interface Received {
  conversationId: string;
  seq: number;
  messageId: string;
  text: string;
}

/** The text messages a client received from others, in the order it was told of them. */
export function received(t: TestClient, conversationId: string): Received[] {
  return t.seen.message
    .filter((m) => m.direction === "in" && m.conversationId === conversationId && "text" in m.envelope)
    .map((m) => ({ conversationId, seq: m.seq, messageId: m.messageId, text: (m.envelope as { text: string }).text }));
}

/**
 * Every device got every message of the others exactly once, in increasing seq order, and all
 * devices agree on each message's seq (so on one order per conversation). Returns a description
 * of the first violation, or null.
 */
export function deliveryViolation(clients: TestClient[], conversationId: string, sentBy: Map<string, string[]>): string | null {
  const seqOf = new Map<string, number>();
  for (const c of clients) {
    const got = received(c, conversationId);
    const texts = got.map((r) => r.text);
    if (new Set(texts).size !== texts.length) return `${c.client.username} was shown a message twice`;
    for (let i = 1; i < got.length; i++) {
      if (got[i]!.seq <= got[i - 1]!.seq) return `${c.client.username} received seq ${got[i]!.seq} after ${got[i - 1]!.seq}`;
    }
    for (const [sender, list] of sentBy) {
      if (sender === c.client.username) continue;
      for (const t of list) if (!texts.includes(t)) return `${c.client.username} is missing "${t}" from ${sender}`;
    }
    for (const r of got) {
      const known = seqOf.get(r.messageId);
      if (known !== undefined && known !== r.seq) return `message ${r.text} has seq ${known} on one device and ${r.seq} on ${c.client.username}`;
      seqOf.set(r.messageId, r.seq);
    }
  }
  return null;
}
