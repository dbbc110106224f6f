import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloseCode, newConversationId, type DeliverFrame } from "@parley/protocol";
import { createTestDatabase, REDIS_URL, skipWithout, uniqueRedisPrefix, type TestDatabase } from "../../../test/services.js";
import { newDevice, resume } from "./helpers/accounts.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const skip = (await skipWithout("postgres")) || (await skipWithout("redis"));
let db: TestDatabase;
let a: TestServer;
let b: TestServer;

before(async () => {
  if (skip) return;
  db = await createTestDatabase();
  const shared = { databaseUrl: db.url, redisUrl: REDIS_URL, redisPrefix: uniqueRedisPrefix() };
  a = await startTestServer(shared);
  b = await startTestServer(shared);
});
after(async () => {
  await a?.stop();
  await b?.stop();
  await db?.drop();
});

test("a device on instance A is pushed, at once, what is posted through instance B", { skip }, async () => {
  const alice = await newDevice(a.wsUrl, "alice");
  const bob = await newDevice(b.wsUrl, "bob");
  const conversationId = newConversationId();
  await bob.client.ok("conversation.create", { conversationId, kind: "group", name: "ab" });
  await bob.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [alice.deviceId] }));
  await alice.client.nextPush((f) => f.type === "welcome");

  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    const { seq } = await bob.client.ok("message.send", sendBody(conversationId, 1));
    const pushed = await alice.client.nextPush<DeliverFrame>((f) => f.type === "deliver" && f.entries.some((e) => e.seq === seq), 2_000);
    latencies.push(performance.now() - t0);
    assert.equal(pushed.conversationId, conversationId);
  }
  latencies.sort((x, y) => x - y);
  // "At once": no polling interval hides in the path; generous bound for a loaded CI machine.
  assert.ok(latencies[10]! < 250, `median send-to-push across instances ${latencies[10]!.toFixed(1)} ms`);
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("sessions, logins and revocations work across instances: state lives in PostgreSQL and Redis, not in one process", { skip }, async () => {
  // Registered and logged in through A; resumes through B.
  const carol = await newDevice(a.wsUrl, "carol");
  const onB = await resume(b.wsUrl, carol.token);
  assert.equal((await onB.ok("device.list", {})).devices.length, 1);
  // A second device made through B revokes the first; its connection on A is closed through the bus.
  const carol2 = await newDevice(b.wsUrl, "carol", { register: false, password: carol.password });
  await carol2.client.ok("device.revoke", { deviceId: carol.deviceId });
  const closed = await carol.client.closed;
  assert.equal(closed.code, CloseCode.SessionRevoked);
  await Promise.all([onB.close(), carol2.client.close()]);
});

test("/healthz reports the database and the bus", { skip }, async () => {
  const res = await fetch(`${a.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
});
