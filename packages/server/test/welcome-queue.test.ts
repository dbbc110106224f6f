import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newConversationId, type DeliverFrame, type WelcomeFrame } from "@parley/protocol";
import { newDevice, resume } from "./helpers/accounts.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

test("an added device gets its Welcome first, then entries after the adding commit; acked Welcomes are gone", async () => {
  const alice = await newDevice(server.wsUrl, "alice");
  const bob = await newDevice(server.wsUrl, "bob");
  await bob.client.close();
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await alice.client.ok("message.send", sendBody(conversationId, 0)); // 1: before bob joined
  const add = commitBody(conversationId, 0, { add: [bob.deviceId] }); // 2
  await alice.client.ok("conversation.commit", add);
  await alice.client.ok("message.send", sendBody(conversationId, 1)); // 3

  // bob was offline: on resume, the Welcome comes before the entries.
  const c = await resume(server.wsUrl, bob.token);
  const welcome = await c.nextPush<WelcomeFrame>((f) => f.type === "welcome");
  assert.equal(welcome.conversationId, conversationId);
  assert.equal(welcome.commitSeq, 2);
  assert.equal(welcome.epoch, 1);
  assert.equal(welcome.data, add.welcome);
  assert.deepEqual(welcome.sender, { username: "alice", deviceId: alice.deviceId });
  const deliver = await c.nextPush<DeliverFrame>((f) => f.type === "deliver");
  assert.deepEqual(deliver.entries.map((e) => e.seq), [3]);
  assert.deepEqual(await c.ok("delivery.pending", {}), { entries: 1, welcomes: 1 });

  // Not acked: comes again on the next connection.
  await c.close();
  const c2 = await resume(server.wsUrl, bob.token);
  const again = await c2.nextPush<WelcomeFrame>((f) => f.type === "welcome");
  assert.equal(again.seq, welcome.seq);
  await c2.ok("welcome.ack", { seq: again.seq });
  assert.deepEqual(await c2.ok("delivery.pending", {}), { entries: 1, welcomes: 0 });
  await c2.close();
  const c3 = await resume(server.wsUrl, bob.token);
  // The entry is still unacked and comes again; the Welcome does not.
  await c3.nextPush<DeliverFrame>((f) => f.type === "deliver");
  assert.ok(!c3.queuedPushes().some((f) => f.type === "welcome"));
  await Promise.all([c3.close(), alice.client.close()]);
});

test("an online device is pushed its Welcome as soon as it is added", async () => {
  const alice = await newDevice(server.wsUrl, "alice2");
  const bob = await newDevice(server.wsUrl, "bob2");
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] }));
  const welcome = await bob.client.nextPush<WelcomeFrame>((f) => f.type === "welcome");
  assert.equal(welcome.conversationId, conversationId);
  // And he is subscribed: the next message reaches him too.
  await alice.client.ok("message.send", sendBody(conversationId, 1));
  const d = await bob.client.nextPush<DeliverFrame>((f) => f.type === "deliver");
  assert.deepEqual(d.entries.map((e) => e.seq), [2]);
  await Promise.all([alice.client.close(), bob.client.close()]);
});
