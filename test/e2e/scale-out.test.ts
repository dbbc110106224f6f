import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { skipWithout } from "../services.js";
import { startCluster, deliveryViolation, type Cluster } from "./cluster.js";
import { eventually, registerClient, type TestClient } from "./harness.js";

const skip = (await skipWithout("postgres")) || (await skipWithout("redis"));
let cluster: Cluster;
const clients: TestClient[] = [];

before(async () => {
  if (!skip) cluster = await startCluster(3);
});
after(async () => {
  await Promise.all(clients.map((c) => c.client.close()));
  await cluster?.stop();
});

/** Registers `names`, spread round-robin over the instances (each client homed on one). */
async function spread(names: string[]): Promise<TestClient[]> {
  const out: TestClient[] = [];
  // One at a time. Every client's Argon2 key stretching runs on this one thread, so registering
  // in parallel saves nothing, and a registration left waiting behind the others can outlast
  // the server's authTimeoutMs (10 s) on a loaded machine and lose its connection.
  for (const [i, n] of names.entries()) out.push(await registerClient(cluster.urlsFrom(i % 3), n));
  clients.push(...out);
  return out;
}

test("three instances, one PostgreSQL, one Redis: a group spread over them chats, every device gets every message once, in one order", { skip, timeout: 180_000 }, async () => {
  const people = await spread(["alice", "bob", "carol", "dave", "erin", "frank"]);
  const [alice] = people;
  const conv = await alice!.client.createGroup("spread", people.slice(1).map((p) => p.client.username));
  for (const p of people.slice(1)) await eventually(() => p.seen.joined.some((j) => j.conversationId === conv), `${p.client.username} joins`);

  // Rounds in which everyone sends at once, through their own instance.
  const sentBy = new Map<string, string[]>(people.map((p) => [p.client.username, []]));
  for (let round = 1; round <= 4; round++) {
    await Promise.all(
      people.map(async (p) => {
        const text = `${p.client.username}-${round}`;
        await p.client.sendText(conv, text);
        sentBy.get(p.client.username)!.push(text);
      }),
    );
  }
  const expected = (p: TestClient) => [...sentBy].filter(([u]) => u !== p.client.username).reduce((n, [, l]) => n + l.length, 0);
  for (const p of people) {
    await eventually(() => p.seen.message.filter((m) => m.direction === "in" && m.conversationId === conv).length >= expected(p), `${p.client.username} receives all`, 60_000);
  }
  for (const p of people) await p.client.waitUntilCaughtUp();
  assert.equal(deliveryViolation(people, conv, sentBy), null);
  for (const p of people) assert.equal(p.seen.undecryptable.length, 0, `${p.client.username} could not decrypt something`);
});

test("50 concurrent senders across the three instances into one group: every member device receives every message exactly once, all in the same order", { skip, timeout: 600_000 }, async () => {
  const names = Array.from({ length: 50 }, (_, i) => `s${String(i).padStart(2, "0")}`);
  const senders = await spread(names);
  const [owner] = senders;
  const started = Date.now();
  const conv = await owner!.client.createGroup("fifty", names.slice(1));
  for (const s of senders.slice(1)) await eventually(() => s.seen.joined.some((j) => j.conversationId === conv), `${s.client.username} joins`, 120_000);
  const joinedMs = Date.now() - started;

  const sentBy = new Map<string, string[]>(senders.map((s) => [s.client.username, []]));
  const sendStarted = Date.now();
  await Promise.all(
    senders.map(async (s) => {
      for (let k = 1; k <= 1; k++) {
        const text = `${s.client.username}#${k}`;
        await s.client.sendText(conv, text);
        sentBy.get(s.client.username)!.push(text);
      }
    }),
  );
  const total = 50;
  for (const s of senders) {
    await eventually(
      () => s.seen.message.filter((m) => m.direction === "in" && m.conversationId === conv).length >= total - 2,
      `${s.client.username} receives ${total - 2} messages`,
      180_000,
    );
  }
  const deliveredMs = Date.now() - sendStarted;
  await Promise.all(senders.map((s) => s.client.waitUntilCaughtUp(60_000)));
  assert.equal(deliveryViolation(senders, conv, sentBy), null);
  // The server's one order: the seqs all devices agree on are the 50 sends.
  const seqs = new Set(senders.flatMap((s) => s.seen.message.filter((m) => m.conversationId === conv).map((m) => m.seq)));
  assert.equal(seqs.size, total);
  console.log(`# 50 members: group formed in ${joinedMs} ms; 50 messages to 50 devices (2,450 deliveries) in ${deliveredMs} ms`);
});
