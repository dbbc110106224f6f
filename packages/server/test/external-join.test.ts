import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode, newConversationId, newMessageId, type DeliverFrame } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { login, newDevice, randomB64, type TestDevice } from "./helpers/accounts.js";
import { commitBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let alice: TestDevice;
let bob: TestDevice;
before(async () => {
  server = await startTestServer();
  alice = await newDevice(server.wsUrl, "alice");
  bob = await newDevice(server.wsUrl, "bob");
});
after(async () => {
  await Promise.all([alice, bob].map((d) => d.client.close()));
  await server.stop();
});

async function secondDevice(d: TestDevice, deviceId: string): Promise<TestClient> {
  const c = await TestClient.connect(server.wsUrl);
  await login(c, d.username, d.password);
  await c.ok("device.register", { deviceId, name: "second", credential: randomB64(64), signatureKey: randomB64(32) });
  return c;
}

const joinBody = (conversationId: string, epoch: number) => ({
  conversationId,
  epoch,
  messageId: newMessageId(),
  commit: randomB64(100),
  groupInfo: randomB64(100),
});

test("a new device of a member user joins by itself; others may not", async () => {
  const conversationId = newConversationId();
  const groupInfo0 = randomB64(90);
  await alice.client.ok("conversation.create", { conversationId, kind: "group", groupInfo: groupInfo0 });
  assert.deepEqual(await alice.client.ok("conversation.groupInfo", { conversationId }), { epoch: 0, groupInfo: groupInfo0 });
  const added = commitBody(conversationId, 0, { add: [bob.deviceId] });
  await alice.client.ok("conversation.commit", added);

  const bob2Id = "b".repeat(22);
  const bob2 = await secondDevice(bob, bob2Id);
  // bob's user is a member: his new device can fetch the GroupInfo and join.
  assert.deepEqual(await bob2.ok("conversation.groupInfo", { conversationId }), { epoch: 1, groupInfo: added.groupInfo });
  await bob2.fail("conversation.externalJoin", joinBody(conversationId, 0), ErrorCode.StaleEpoch);
  const join = joinBody(conversationId, 1);
  assert.deepEqual(await bob2.ok("conversation.externalJoin", join), { seq: 2, epoch: 2 });
  assert.deepEqual(await bob2.ok("conversation.externalJoin", join), { seq: 2, epoch: 2 }, "a retry is idempotent");
  await bob2.fail("conversation.externalJoin", joinBody(conversationId, 2), ErrorCode.Forbidden);
  assert.equal((await bob2.ok("conversation.get", { conversationId })).conversation.joined, true);

  // Members see the external commit with add = [the joiner].
  const frame = await alice.client.nextPush<DeliverFrame>((f) => f.type === "deliver" && f.entries.some((e) => e.seq === 2));
  const entry = frame.entries.find((e) => e.seq === 2)!;
  assert.equal(entry.kind, "commit");
  assert.ok(entry.kind === "commit" && entry.external && entry.add[0] === bob2Id && entry.sender.deviceId === bob2Id);

  // carol's user is not in the conversation: no GroupInfo, no external join.
  const carol = await newDevice(server.wsUrl, "carol");
  await carol.client.fail("conversation.groupInfo", { conversationId }, ErrorCode.NotMember);
  await carol.client.fail("conversation.externalJoin", joinBody(conversationId, 2), ErrorCode.NotMember);
  await carol.client.fail("conversation.externalJoin", joinBody(newConversationId(), 0), ErrorCode.ConversationNotFound);
  await Promise.all([bob2.close(), carol.client.close()]);
});

test("once all of a user's devices have left, the user's new devices cannot join", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] }));
  await bob.client.ok("conversation.leave", { conversationId });
  const bob3 = await secondDevice(bob, "c".repeat(22));
  await bob3.fail("conversation.externalJoin", joinBody(conversationId, 1), ErrorCode.NotMember);
  await bob3.close();
});

test("before any commit, groupInfo comes from conversation.create, or is not there yet", async () => {
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await alice.client.fail("conversation.groupInfo", { conversationId }, ErrorCode.ConversationNotFound);
});
