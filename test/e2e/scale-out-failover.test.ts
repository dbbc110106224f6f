import assert from "node:assert/strict";
import { after, test } from "node:test";
import { skipWithout } from "../services.js";
import { startCluster, deliveryViolation, received, type Cluster } from "./cluster.js";
import { eventually, registerClient, type TestClient } from "./harness.js";

const skip = (await skipWithout("postgres")) || (await skipWithout("redis"));
let cluster: Cluster | undefined;
const clients: TestClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.client.close()));
  await cluster?.stop();
});

test("an instance killed with SIGKILL mid-conversation: its clients move to another, no acknowledged message is lost or shown twice", { skip, timeout: 240_000 }, async () => {
  cluster = await startCluster(3);
  const c = cluster;
  // alice and dave live on instance 0, the one that dies; bob on 1, carol on 2.
  const alice = await registerClient(c.urlsFrom(0), "alice");
  const bob = await registerClient(c.urlsFrom(1), "bob");
  const carol = await registerClient(c.urlsFrom(2), "carol");
  const dave = await registerClient(c.urlsFrom(0), "dave");
  const people = [alice, bob, carol, dave];
  clients.push(...people);
  const conv = await alice.client.createGroup("failover", ["bob", "carol", "dave"]);
  for (const p of people.slice(1)) await eventually(() => p.seen.joined.length === 1, `${p.client.username} joins`);

  const acked = new Map<string, string[]>([["alice", []], ["bob", []]]);
  const failed: string[] = [];
  let killed: Promise<void> | undefined;
  const sender = async (p: TestClient, from: number) => {
    for (let i = 1; i <= 40; i++) {
      const text = `${p.client.username}-${i}`;
      if (p === alice && i === 15) killed = c.servers[0]!.kill();
      try {
        await p.client.sendText(conv, text);
        acked.get(p.client.username)!.push(text);
      } catch {
        failed.push(text);
      }
      if (from > 0) await new Promise((r) => setTimeout(r, from));
    }
  };
  await Promise.all([sender(alice, 0), sender(bob, 5)]);
  await killed;

  // alice's and dave's clients found another instance by themselves.
  await eventually(() => alice.client.online && dave.client.online, "the clients of the dead instance are back online", 30_000);
  const last = alice.seen.connection.filter((e) => e.state === "online").at(-1);
  assert.ok(last?.detail && !last.detail.includes(`:${c.servers[0]!.port}/`), `alice is online again through another instance (${last?.detail})`);

  for (const p of people) {
    await eventually(
      () => [...acked].every(([u, list]) => u === p.client.username || list.every((t) => received(p, conv).some((r) => r.text === t))),
      `${p.client.username} has every acknowledged message`,
      60_000,
    );
  }
  for (const p of people) await p.client.waitUntilCaughtUp(60_000);
  assert.equal(deliveryViolation(people, conv, acked), null);
  assert.ok(acked.get("alice")!.length >= 30, `most of alice's sends should survive the kill (acked ${acked.get("alice")!.length}, failed ${failed.join(",")})`);
  for (const p of people) assert.equal(p.seen.undecryptable.length, 0);
});
