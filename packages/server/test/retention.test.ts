import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newConversationId, type DeliverFrame } from "@parley/protocol";
import { newDevice, resume } from "./helpers/accounts.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { fakeClock, startTestServer, type TestServer } from "./helpers/server.js";

const clock = fakeClock();
const RETENTION = 7 * 24 * 3600_000;
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: clock.now, retentionMs: RETENTION, sessionTtlMs: 365 * 24 * 3600_000 });
});
after(() => server.stop());

test("the sweep deletes entries every current member has acked, and keeps the rest", async () => {
  const alice = await newDevice(server.wsUrl, "alice");
  const bob = await newDevice(server.wsUrl, "bob");
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  const add = commitBody(conversationId, 0, { add: [bob.deviceId] });
  await alice.client.ok("conversation.commit", add); // 1
  for (let i = 0; i < 4; i++) await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2..5

  // alice's cursor passed her own entries at once; bob has acked up to 3.
  await bob.client.ok("delivery.ack", { conversationId, seq: 3 });
  const swept = await server.sweep();
  assert.equal(swept.entries, 3);
  assert.deepEqual(
    (await server.store.readEntries(conversationId, 0, 100, 100)).map((e) => e.entry.seq),
    [4, 5],
  );
  // Sweeping again finds nothing new.
  assert.equal((await server.sweep()).entries, 0);

  // The GroupInfo is never swept.
  assert.deepEqual(await alice.client.ok("conversation.groupInfo", { conversationId }), { epoch: 1, groupInfo: add.groupInfo });

  // bob reconnects and gets exactly what he had not acked.
  await bob.client.close();
  const c = await resume(server.wsUrl, bob.token);
  const d = await c.nextPush<DeliverFrame>((f) => f.type === "deliver");
  assert.deepEqual(d.entries.map((e) => e.seq), [4, 5]);
  await Promise.all([c.close(), alice.client.close()]);
});

test("the sweep deletes entries and Welcomes older than the retention period, acked or not", async () => {
  const alice = await newDevice(server.wsUrl, "carol");
  const bob = await newDevice(server.wsUrl, "dave");
  await bob.client.close();
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  const add = commitBody(conversationId, 0, { add: [bob.deviceId] });
  await alice.client.ok("conversation.commit", add);
  await alice.client.ok("message.send", sendBody(conversationId, 1));
  clock.advance(RETENTION / 2);
  await alice.client.ok("message.send", sendBody(conversationId, 1));
  clock.advance(RETENTION / 2 + 1);

  const swept = await server.sweep();
  assert.ok(swept.welcomes >= 1);
  assert.deepEqual((await server.store.readEntries(conversationId, 0, 100, 100)).map((e) => e.entry.seq), [3]);
  assert.deepEqual(await alice.client.ok("conversation.groupInfo", { conversationId }), { epoch: 1, groupInfo: add.groupInfo });
  const c = await resume(server.wsUrl, bob.token);
  assert.deepEqual(await c.ok("delivery.pending", {}), { entries: 1, welcomes: 0 });
  await Promise.all([c.close(), alice.client.close()]);
});
