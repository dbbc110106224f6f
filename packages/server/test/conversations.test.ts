import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, newConversationId } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { login, newDevice, randomB64, type TestDevice } from "./helpers/accounts.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let alice: TestDevice;
let bob: TestDevice;
let carol: TestDevice;
before(async () => {
  server = await startTestServer({ limits: { maxConversationDevices: 3 } });
  alice = await newDevice(server.wsUrl, "alice");
  bob = await newDevice(server.wsUrl, "bob");
  carol = await newDevice(server.wsUrl, "carol");
});
after(async () => {
  await Promise.all([alice.client.close(), bob.client.close(), carol.client.close()]);
  await server.stop();
});

test("create a group: epoch 0, the creator's device the only member", async () => {
  const conversationId = newConversationId();
  const { conversation } = await alice.client.ok("conversation.create", { conversationId, kind: "group", name: "Team" });
  assert.equal(conversation.epoch, 0);
  assert.equal(conversation.lastSeq, 0);
  assert.equal(conversation.joined, true);
  assert.equal(conversation.name, "Team");
  assert.deepEqual(conversation.members, [{ username: "alice", deviceIds: [alice.deviceId] }]);
  const again = await alice.client.fail("conversation.create", { conversationId, kind: "group" }, ErrorCode.ConversationExists);
  assert.deepEqual(again.details, { conversationId });
  await alice.client.fail("conversation.create", { conversationId: newConversationId(), kind: "group", peer: "bob" }, ErrorCode.InvalidBody);
});

test("direct conversations: a peer is required, must exist, must not be you, and there is one per pair", async () => {
  await alice.client.fail("conversation.create", { conversationId: newConversationId(), kind: "direct" }, ErrorCode.InvalidBody);
  await alice.client.fail("conversation.create", { conversationId: newConversationId(), kind: "direct", peer: "nobody" }, ErrorCode.UserNotFound);
  await alice.client.fail("conversation.create", { conversationId: newConversationId(), kind: "direct", peer: "alice" }, ErrorCode.Forbidden);
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "direct", peer: "bob", groupInfo: randomB64(64) });
  const dup = await bob.client.fail("conversation.create", { conversationId: newConversationId(), kind: "direct", peer: "alice" }, ErrorCode.ConversationExists);
  assert.deepEqual(dup.details, { conversationId });
  // Only the two users' devices can be added.
  await alice.client.fail("conversation.commit", commitBody(conversationId, 0, { add: [carol.deviceId] }), ErrorCode.Forbidden);
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] }));
  // Once one side leaves, a new direct conversation can be made.
  await bob.client.ok("conversation.leave", { conversationId });
  await bob.client.ok("conversation.create", { conversationId: newConversationId(), kind: "direct", peer: "alice" });
});

test("list and get show conversations of the user, with joined for the calling device", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group", name: "list-me" });
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] }));

  // A second device of bob's, not (yet) a member itself.
  const bob2 = await TestClient.connect(server.wsUrl);
  await login(bob2, "bob", bob.password);
  await bob2.ok("device.register", { deviceId: "B".repeat(22), name: "bob2", credential: randomB64(64), signatureKey: randomB64(32) });
  const viaBob2 = (await bob2.ok("conversation.get", { conversationId })).conversation;
  assert.equal(viaBob2.joined, false);
  assert.equal(viaBob2.epoch, 1);
  assert.equal(viaBob2.lastSeq, 1);
  assert.deepEqual(viaBob2.members, [
    { username: "alice", deviceIds: [alice.deviceId] },
    { username: "bob", deviceIds: [bob.deviceId] },
  ]);
  assert.equal((await bob.client.ok("conversation.get", { conversationId })).conversation.joined, true);
  const listed = (await bob2.ok("conversation.list", {})).conversations.map((c) => c.conversationId);
  assert.ok(listed.includes(conversationId));

  // carol sees none of it.
  await carol.client.fail("conversation.get", { conversationId }, ErrorCode.NotMember);
  await carol.client.fail("conversation.groupInfo", { conversationId }, ErrorCode.NotMember);
  await carol.client.fail("conversation.get", { conversationId: newConversationId() }, ErrorCode.ConversationNotFound);
  assert.ok(!(await carol.client.ok("conversation.list", {})).conversations.some((c) => c.conversationId === conversationId));
  await bob2.close();
});

test("only member devices can send or commit", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await carol.client.fail("message.send", sendBody(conversationId), ErrorCode.NotMember);
  await carol.client.fail("conversation.commit", commitBody(conversationId, 0), ErrorCode.NotMember);
  await carol.client.fail("conversation.leave", { conversationId }, ErrorCode.NotMember);
  await carol.client.fail("delivery.ack", { conversationId, seq: 0 }, ErrorCode.NotMember);
  await carol.client.fail("message.send", sendBody(newConversationId()), ErrorCode.ConversationNotFound);
  const sent = await alice.client.ok("message.send", sendBody(conversationId));
  assert.deepEqual(sent, { seq: 1, duplicate: false });
});

test("commit validation: welcome iff adds, known and live devices, no duplicates, member cap", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  const withoutWelcome = { ...commitBody(conversationId, 0, { add: [bob.deviceId] }) };
  delete withoutWelcome.welcome;
  await alice.client.fail("conversation.commit", withoutWelcome, ErrorCode.InvalidBody);
  await alice.client.fail("conversation.commit", { ...commitBody(conversationId, 0), welcome: randomB64(10) }, ErrorCode.InvalidBody);
  await alice.client.fail("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId, bob.deviceId] }), ErrorCode.InvalidBody);
  const unknown = await alice.client.fail("conversation.commit", commitBody(conversationId, 0, { add: ["Z".repeat(22)] }), ErrorCode.DeviceNotFound);
  assert.deepEqual(unknown.details, { deviceId: "Z".repeat(22) });
  const self = await alice.client.fail("conversation.commit", commitBody(conversationId, 0, { add: [alice.deviceId] }), ErrorCode.Forbidden);
  assert.deepEqual(self.details, { deviceId: alice.deviceId });
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId, carol.deviceId] }));
  // Three members is the cap here.
  const dave = await newDevice(server.wsUrl, "dave");
  const cap = await alice.client.fail("conversation.commit", commitBody(conversationId, 1, { add: [dave.deviceId] }), ErrorCode.QuotaExceeded);
  assert.deepEqual(cap.details, { max: 3 });
  // Removing one makes room in the same commit.
  await alice.client.ok("conversation.commit", commitBody(conversationId, 1, { add: [dave.deviceId], remove: [carol.deviceId] }));
  await dave.client.close();
});
