import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { client as opaque, ready } from "@serenity-kit/opaque";
import { CloseCode, ErrorCode, type ErrorReply } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { newDevice, type TestDevice } from "./helpers/accounts.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
let bystander: TestDevice;
before(async () => {
  await ready;
  server = await startTestServer({
    rateLimit: { perSecond: 0.001, burst: 8, closeAfterRejected: 3 },
    authRateLimit: { perSecond: 0.001, burst: 3, closeAfterRejected: 2 },
    maxQueuedRequests: 2,
  });
  bystander = await newDevice(server.wsUrl, "bystander");
});
after(async () => {
  await bystander.client.close();
  await server.stop();
});

const bogusResume = { token: "A".repeat(43) };

test("past the burst, requests get RATE_LIMITED; persisting closes with RateLimited", async () => {
  const c = await TestClient.connect(server.wsUrl);
  for (let i = 0; i < 8; i++) await c.fail("session.resume", bogusResume, ErrorCode.SessionInvalid);
  await c.fail("session.resume", bogusResume, ErrorCode.RateLimited);
  await c.fail("session.resume", bogusResume, ErrorCode.RateLimited);
  const third = c.request("session.resume", bogusResume);
  assert.equal(((await third) as ErrorReply).code, ErrorCode.RateLimited);
  assert.equal((await c.closed).code, CloseCode.RateLimited);
  // Limits are per connection: others are unaffected.
  assert.equal((await bystander.client.ok("device.list", {})).devices.length, 1);
});

test("OPAQUE steps have their own, tighter limit", async () => {
  const c = await TestClient.connect(server.wsUrl);
  const start = () => ({ username: "someone", request: opaque.startLogin({ password: "x" }).startLoginRequest });
  for (let i = 0; i < 3; i++) await c.ok("login.start", start());
  await c.fail("login.start", start(), ErrorCode.RateLimited);
  // Other requests still pass.
  await c.fail("session.resume", bogusResume, ErrorCode.SessionInvalid);
  await c.close();
});

test("requests beyond the queue cap are refused while one is being handled", async () => {
  let release!: () => void;
  const blocked = new Promise<void>((resolve) => (release = resolve));
  const original = server.store.getSession;
  server.store.getSession = async (hash) => {
    await blocked;
    return original.call(server.store, hash);
  };
  try {
    const c = await TestClient.connect(server.wsUrl);
    const replies = [1, 2, 3, 4].map(() => c.request("session.resume", bogusResume));
    // The first is being handled, two wait in the queue, the fourth is refused at once.
    assert.equal(((await replies[3]!) as ErrorReply).code, ErrorCode.RateLimited);
    release();
    for (const r of replies.slice(0, 3)) assert.equal(((await r) as ErrorReply).code, ErrorCode.SessionInvalid);
    await c.close();
  } finally {
    server.store.getSession = original;
    release();
  }
});
