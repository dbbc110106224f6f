import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, newConversationId, type DeliverFrame, type LogEntry, type PushFrame } from "@parley/protocol";
import { newDevice, resume, type TestDevice } from "./helpers/accounts.js";
import type { TestClient } from "./helpers/client.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer({ limits: { maxDeliverBatch: 3 } });
});
after(() => server.stop());

const isDeliverFor = (conversationId: string) => (f: PushFrame) => f.type === "deliver" && f.conversationId === conversationId;

/** Collects deliver frames for one conversation until an entry with seq `upTo` has arrived. */
async function collect(c: TestClient, conversationId: string, upTo: number): Promise<{ frames: DeliverFrame[]; entries: LogEntry[] }> {
  const frames: DeliverFrame[] = [];
  const entries: LogEntry[] = [];
  while (!entries.some((e) => e.seq >= upTo)) {
    const f = await c.nextPush<DeliverFrame>(isDeliverFor(conversationId));
    frames.push(f);
    entries.push(...f.entries);
  }
  return { frames, entries };
}

async function groupWith(owner: TestDevice, ...others: TestDevice[]): Promise<string> {
  const conversationId = newConversationId();
  await owner.client.ok("conversation.create", { conversationId, kind: "group" });
  if (others.length > 0) {
    await owner.client.ok("conversation.commit", commitBody(conversationId, 0, { add: others.map((o) => o.deviceId) }));
  }
  return conversationId;
}

test("entries arrive in order, in batches of at most maxDeliverBatch, and resume from the cursor after reconnect", async () => {
  const alice = await newDevice(server.wsUrl, "alice");
  const bob = await newDevice(server.wsUrl, "bob");
  const conversationId = await groupWith(alice, bob);
  const bodies = Array.from({ length: 7 }, () => sendBody(conversationId, 1));
  for (const b of bodies) await alice.client.ok("message.send", b);

  // The add commit (seq 1) is bob's joinedSeq: he receives seq 2..8 only.
  const { frames, entries } = await collect(bob.client, conversationId, 8);
  assert.ok(frames.every((f) => f.entries.length <= 3));
  assert.deepEqual(entries.map((e) => e.seq), [2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(
    entries.map((e) => (e.kind === "application" ? e.data : null)),
    bodies.map((b) => b.ciphertext),
  );
  const first = entries[0]!;
  assert.ok(first.kind === "application" && first.sender.username === "alice" && first.sender.deviceId === alice.deviceId);
  assert.equal(first.kind === "application" && first.messageId, bodies[0]!.messageId);

  // bob acks up to 5, then drops off; alice sends one more.
  await bob.client.ok("delivery.ack", { conversationId, seq: 5 });
  assert.deepEqual(await bob.client.ok("delivery.pending", {}), { entries: 3, welcomes: 1 });
  await bob.client.close();
  await alice.client.ok("message.send", sendBody(conversationId, 1));

  // Everything unacked comes again, then the new one.
  const again = await resume(server.wsUrl, bob.token);
  const redelivered = await collect(again, conversationId, 9);
  assert.deepEqual(redelivered.entries.map((e) => e.seq), [6, 7, 8, 9]);
  // Acks never go backwards, and never past the end of the log.
  await again.ok("delivery.ack", { conversationId, seq: 1_000_000 });
  await again.ok("delivery.ack", { conversationId, seq: 3 });
  assert.equal((await again.ok("delivery.pending", {})).entries, 0);
  await again.close();
  const third = await resume(server.wsUrl, bob.token);
  await alice.client.ok("message.send", sendBody(conversationId, 1));
  const next = await third.nextPush<DeliverFrame>(isDeliverFor(conversationId));
  assert.deepEqual(next.entries.map((e) => e.seq), [10]);
  assert.deepEqual(third.violations, []);
  await Promise.all([third.close(), alice.client.close()]);
});

test("a device is never sent its own entries, and its cursor passes over them", async () => {
  const alice = await newDevice(server.wsUrl, "alice2");
  const bob = await newDevice(server.wsUrl, "bob2");
  const conversationId = await groupWith(alice, bob);
  await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2
  await bob.client.ok("message.send", sendBody(conversationId, 1)); // 3
  await alice.client.ok("message.send", sendBody(conversationId, 1)); // 4
  await bob.client.ok("message.send", sendBody(conversationId, 1)); // 5

  const forAlice = await collect(alice.client, conversationId, 5);
  assert.deepEqual(forAlice.entries.map((e) => e.seq), [3, 5]);
  const forBob = await collect(bob.client, conversationId, 4);
  assert.deepEqual(forBob.entries.map((e) => e.seq), [2, 4]);
  // alice's own commit (seq 1) and messages were skipped: acking 3 carries her cursor over 4.
  await alice.client.ok("delivery.ack", { conversationId, seq: 3 });
  assert.deepEqual(await alice.client.ok("delivery.pending", {}), { entries: 1, welcomes: 0 });
  await alice.client.ok("delivery.ack", { conversationId, seq: 5 });
  assert.deepEqual(await alice.client.ok("delivery.pending", {}), { entries: 0, welcomes: 0 });
  // Her next message moves her cursor at once: nothing is pending for her after it.
  await alice.client.ok("message.send", sendBody(conversationId, 1));
  assert.deepEqual(await alice.client.ok("delivery.pending", {}), { entries: 0, welcomes: 0 });
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("another device's deliveries are never pushed to you", async () => {
  const alice = await newDevice(server.wsUrl, "alice3");
  const bob = await newDevice(server.wsUrl, "bob3");
  const mallory = await newDevice(server.wsUrl, "mallory");
  const secret = await groupWith(alice, bob);
  const barrier = await groupWith(alice, mallory);
  await alice.client.ok("message.send", sendBody(secret, 1));
  await bob.client.ok("message.send", sendBody(secret, 1));
  await collect(bob.client, secret, 2);
  // mallory gets the barrier message, and nothing of the other conversation before or with it.
  await alice.client.ok("message.send", sendBody(barrier, 1));
  await collect(mallory.client, barrier, 2);
  assert.ok(!mallory.client.queuedPushes().some((f) => f.type === "deliver" && f.conversationId === secret));
  await mallory.client.fail("delivery.ack", { conversationId: secret, seq: 3 }, ErrorCode.NotMember);
  await Promise.all([alice.client.close(), bob.client.close(), mallory.client.close()]);
});

test("a removed device receives the removing commit and nothing after it", async () => {
  const alice = await newDevice(server.wsUrl, "alice4");
  const bob = await newDevice(server.wsUrl, "bob4");
  const conversationId = await groupWith(alice, bob);
  const barrier = await groupWith(alice, bob);
  await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2
  await alice.client.ok("conversation.commit", commitBody(conversationId, 1, { remove: [bob.deviceId] })); // 3
  await alice.client.ok("message.send", sendBody(conversationId, 2)); // 4
  const got = await collect(bob.client, conversationId, 3);
  assert.deepEqual(got.entries.map((e) => e.seq), [2, 3]);
  const removal = got.entries[1]!;
  assert.ok(removal.kind === "commit" && removal.remove.includes(bob.deviceId));
  await alice.client.ok("message.send", sendBody(barrier, 1));
  await collect(bob.client, barrier, 2);
  assert.ok(!bob.client.queuedPushes().some((f) => f.type === "deliver" && f.conversationId === conversationId));
  await bob.client.fail("message.send", sendBody(conversationId, 2), ErrorCode.NotMember);
  // His ack of the removal is still accepted, and not past it.
  await bob.client.ok("delivery.ack", { conversationId, seq: 10 });
  await bob.client.ok("delivery.ack", { conversationId: barrier, seq: 2 });
  assert.equal((await bob.client.ok("delivery.pending", {})).entries, 0);
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("leave: a system entry for the others, and the leaver's devices are out", async () => {
  const alice = await newDevice(server.wsUrl, "alice5");
  const bob = await newDevice(server.wsUrl, "bob5");
  const conversationId = await groupWith(alice, bob);
  await bob.client.ok("conversation.leave", { conversationId });
  const got = await collect(alice.client, conversationId, 2);
  const entry = got.entries.find((e) => e.seq === 2)!;
  assert.deepEqual(entry.kind === "system" && entry.system, { event: "left", username: "bob5", deviceIds: [bob.deviceId] });
  const info = (await alice.client.ok("conversation.get", { conversationId })).conversation;
  assert.deepEqual(info.members.map((m) => m.username), ["alice5"]);
  // The members' removal commit may name the device the server already removed.
  await alice.client.ok("conversation.commit", commitBody(conversationId, 1, { remove: [bob.deviceId] }));
  await Promise.all([alice.client.close(), bob.client.close()]);
});
