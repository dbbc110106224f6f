// Acks as the gateway settles them: an ack of what the connection itself pushed moves the cursor
// without the store's reads (Pusher.ackPosition, Store.advanceCursor); anything else goes through
// Store.ackDelivery. Either way the outcome must be the same: cumulative, clamped, never backwards,
// passing over the device's own entries, and refused for a conversation the device is not in.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import Database from "better-sqlite3";
import { ErrorCode, newConversationId, type DeliverFrame, type LogEntry, type PushFrame } from "@parley/protocol";
import { SQLITE_FILE_NAME } from "../src/index.js";
import { newDevice, type TestDevice } from "./helpers/accounts.js";
import type { TestClient } from "./helpers/client.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let reader: Database.Database;
before(async () => {
  server = await startTestServer();
  reader = new Database(join(server.dataDir, SQLITE_FILE_NAME), { readonly: true });
});
after(async () => {
  reader.close();
  await server.stop();
});

/** The cursor as a fresh reader of the file finds it: what survives a crash of the server. */
const cursorOnDisk = (conversationId: string, deviceId: string) =>
  (reader.prepare("SELECT cursor FROM members WHERE conversation_id = ? AND device_id = ?").get(conversationId, deviceId) as { cursor: number }).cursor;

const isDeliverFor = (conversationId: string) => (f: PushFrame) => f.type === "deliver" && f.conversationId === conversationId;

async function collect(c: TestClient, conversationId: string, upTo: number): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  while (!entries.some((e) => e.seq >= upTo)) entries.push(...(await c.nextPush<DeliverFrame>(isDeliverFor(conversationId))).entries);
  return entries;
}

async function groupWith(owner: TestDevice, ...others: TestDevice[]): Promise<string> {
  const conversationId = newConversationId();
  await owner.client.ok("conversation.create", { conversationId, kind: "group" });
  await owner.client.ok("conversation.commit", commitBody(conversationId, 0, { add: others.map((o) => o.deviceId) }));
  return conversationId;
}

test("one ack of the newest pushed entry covers everything before it and the device's own entries after it; older acks change nothing", async () => {
  const alice = await newDevice(server.wsUrl, "alice");
  const bob = await newDevice(server.wsUrl, "bob");
  const conversationId = await groupWith(alice, bob); // seq 1 adds bob
  const barrier = await groupWith(alice, bob);
  for (let i = 0; i < 4; i++) await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2..5
  assert.deepEqual((await collect(bob.client, conversationId, 5)).map((e) => e.seq), [2, 3, 4, 5]);
  await bob.client.ok("message.send", sendBody(conversationId, 1)); // 6, bob's own
  await bob.client.ok("message.send", sendBody(conversationId, 1)); // 7, bob's own
  // Bob's pushes are in order of the announcements: once the barrier's arrives, 6 and 7 were seen.
  await alice.client.ok("message.send", sendBody(barrier, 1));
  await collect(bob.client, barrier, 2);

  await bob.client.ok("delivery.ack", { conversationId, seq: 3 });
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 3, "an ack in the middle moves only that far");
  await bob.client.ok("delivery.ack", { conversationId, seq: 5 });
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 7, "passed over his own 6 and 7");
  await bob.client.ok("delivery.ack", { conversationId, seq: 3 });
  await bob.client.ok("delivery.ack", { conversationId, seq: 0 });
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 7, "never backwards");
  await bob.client.ok("delivery.ack", { conversationId: barrier, seq: 2 });
  assert.deepEqual(await bob.client.ok("delivery.pending", {}), { entries: 0, welcomes: 2 });

  // A burst of acks sent without waiting settles at the highest, whatever their order.
  for (let i = 0; i < 3; i++) await alice.client.ok("message.send", sendBody(conversationId, 1)); // 8..10
  await collect(bob.client, conversationId, 10);
  await Promise.all([9, 10, 8].map((seq) => bob.client.ok("delivery.ack", { conversationId, seq })));
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 10);
  assert.deepEqual(bob.client.violations, []);
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("an ack past what the connection pushed is clamped to the log's end by the store", async () => {
  const alice = await newDevice(server.wsUrl, "alice2");
  const bob = await newDevice(server.wsUrl, "bob2");
  const conversationId = await groupWith(alice, bob);
  await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2
  await bob.client.ok("delivery.ack", { conversationId, seq: 1_000_000 });
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 2);
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("acks for a conversation the device is not in, or that does not exist, are refused and move nothing", async () => {
  const alice = await newDevice(server.wsUrl, "alice3");
  const bob = await newDevice(server.wsUrl, "bob3");
  const mallory = await newDevice(server.wsUrl, "mallory3");
  const conversationId = await groupWith(alice, bob);
  const own = await groupWith(alice, mallory);
  await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2
  await alice.client.ok("message.send", sendBody(own, 1)); // 2 in mallory's
  await collect(mallory.client, own, 2);
  // Mallory has been pushed seq 2 of her own conversation: that must not count for another one.
  await mallory.client.fail("delivery.ack", { conversationId, seq: 2 }, ErrorCode.NotMember);
  await mallory.client.fail("delivery.ack", { conversationId: newConversationId(), seq: 2 }, ErrorCode.ConversationNotFound);
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 1);
  await Promise.all([alice.client.close(), bob.client.close(), mallory.client.close()]);
});

test("a device removed and added back gets the removal, then only what follows its return, and acks stay within", async () => {
  const alice = await newDevice(server.wsUrl, "alice4");
  const bob = await newDevice(server.wsUrl, "bob4");
  const conversationId = await groupWith(alice, bob);
  await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2
  await collect(bob.client, conversationId, 2); // bob's Pusher now holds his state
  await alice.client.ok("conversation.commit", commitBody(conversationId, 1, { remove: [bob.deviceId] })); // 3
  await alice.client.ok("message.send", sendBody(conversationId, 2)); // 4: bob must never get it
  assert.deepEqual((await collect(bob.client, conversationId, 3)).map((e) => e.seq), [3]);
  await bob.client.ok("delivery.ack", { conversationId, seq: 4 });
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 3, "not past the removal");
  await alice.client.ok("conversation.commit", commitBody(conversationId, 2, { add: [bob.deviceId] })); // 5
  await alice.client.ok("message.send", sendBody(conversationId, 3)); // 6
  assert.deepEqual((await collect(bob.client, conversationId, 6)).map((e) => e.seq), [6]);
  await bob.client.ok("delivery.ack", { conversationId, seq: 6 });
  assert.equal(cursorOnDisk(conversationId, bob.deviceId), 6);
  await Promise.all([alice.client.close(), bob.client.close()]);
});
