import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, newConversationId } from "@parley/protocol";
import { newDevice, type TestDevice } from "./helpers/accounts.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let alice: TestDevice;
let bob: TestDevice;
let carol: TestDevice;
before(async () => {
  server = await startTestServer();
  alice = await newDevice(server.wsUrl, "alice");
  bob = await newDevice(server.wsUrl, "bob");
  carol = await newDevice(server.wsUrl, "carol");
});
after(async () => {
  await Promise.all([alice, bob, carol].map((d) => d.client.close()));
  await server.stop();
});

test("a commit for a stale epoch is refused with the current epoch in details", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  assert.deepEqual(await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] })), {
    seq: 1,
    epoch: 1,
  });
  // bob, still at epoch 0, races a commit in: it loses.
  const stale = await bob.client.fail("conversation.commit", commitBody(conversationId, 0, { add: [carol.deviceId] }), ErrorCode.StaleEpoch);
  assert.deepEqual(stale.details, { epoch: 1 });
  // A commit for an epoch from the future is just as wrong.
  const future = await bob.client.fail("conversation.commit", commitBody(conversationId, 5), ErrorCode.StaleEpoch);
  assert.deepEqual(future.details, { epoch: 1 });
  // Nothing was appended by the refused commits.
  const info = (await alice.client.ok("conversation.get", { conversationId })).conversation;
  assert.equal(info.epoch, 1);
  assert.equal(info.lastSeq, 1);
  // Caught up, bob retries and wins.
  assert.deepEqual(await bob.client.ok("conversation.commit", commitBody(conversationId, 1, { add: [carol.deviceId] })), {
    seq: 2,
    epoch: 2,
  });
});

test("two concurrent commits on one epoch: exactly one wins", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] }));
  const [a, b] = await Promise.all([
    alice.client.request("conversation.commit", commitBody(conversationId, 1)),
    bob.client.request("conversation.commit", commitBody(conversationId, 1)),
  ]);
  const kinds = [a.type, b.type].sort();
  assert.deepEqual(kinds, ["error", "ok"]);
  const loser = a.type === "error" ? a : b;
  assert.equal(loser.type === "error" && loser.code, ErrorCode.StaleEpoch);
  assert.deepEqual(loser.type === "error" && loser.details, { epoch: 2 });
});

test("a retried commit returns its original seq and epoch, even after the epoch moved on", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  const body = commitBody(conversationId, 0, { add: [bob.deviceId] });
  const first = await alice.client.ok("conversation.commit", body);
  await alice.client.ok("message.send", sendBody(conversationId, 1));
  await bob.client.ok("conversation.commit", commitBody(conversationId, 1));
  assert.deepEqual(await alice.client.ok("conversation.commit", body), first);
  const info = (await alice.client.ok("conversation.get", { conversationId })).conversation;
  assert.equal(info.epoch, 2);
  assert.equal(info.lastSeq, 3);
  // Another device reusing the id is not a retry.
  await bob.client.fail("conversation.commit", { ...commitBody(conversationId, 2), messageId: body.messageId }, ErrorCode.Forbidden);
});

test("a retried message.send is a duplicate with the original seq", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  const body = sendBody(conversationId);
  assert.deepEqual(await alice.client.ok("message.send", body), { seq: 1, duplicate: false });
  assert.deepEqual(await alice.client.ok("message.send", body), { seq: 1, duplicate: true });
  assert.deepEqual(await alice.client.ok("message.send", sendBody(conversationId)), { seq: 2, duplicate: false });
});
