import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloseCode, ErrorCode } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { login, newDevice, register, resume } from "./helpers/accounts.js";
import { fakeClock, startTestServer, type TestServer } from "./helpers/server.js";

const clock = fakeClock();
const TTL = 60_000;
let server: TestServer;
before(async () => {
  server = await startTestServer({ now: clock.now, sessionTtlMs: TTL });
});
after(() => server.stop());

test("a session token resumes on a new connection, with its device", async () => {
  const d = await newDevice(server.wsUrl, "alice");
  const c = await TestClient.connect(server.wsUrl);
  const r = await c.ok("session.resume", { token: d.token });
  assert.deepEqual(r, { username: "alice", deviceId: d.deviceId, expiresAt: clock.now() + TTL });
  assert.equal((await c.ok("keyPackages.count", {})).oneTime, 0);
  await c.fail("session.resume", { token: d.token }, ErrorCode.AlreadyAuthenticated);
  await Promise.all([c.close(), d.client.close()]);
});

test("an unknown token is SESSION_INVALID and the connection stays unauthenticated", async () => {
  const c = await TestClient.connect(server.wsUrl);
  await c.fail("session.resume", { token: "A".repeat(43) }, ErrorCode.SessionInvalid);
  await c.fail("device.list", {}, ErrorCode.Unauthenticated);
  await c.close();
});

test("an expired session cannot resume, and a live connection past expiry is closed", async () => {
  const c = await TestClient.connect(server.wsUrl);
  await register(c, "bob", "pw");
  const session = await login(c, "bob", "pw");
  clock.advance(TTL + 1);
  // The live connection: its next request finds the session expired.
  await c.fail("device.list", {}, ErrorCode.SessionInvalid);
  assert.equal((await c.closed).code, CloseCode.SessionRevoked);
  const c2 = await TestClient.connect(server.wsUrl);
  await c2.fail("session.resume", { token: session.token }, ErrorCode.SessionInvalid);
  await c2.close();
});

test("logout replies, closes the socket with SessionRevoked, ends other connections of the session, and kills the token", async () => {
  const d = await newDevice(server.wsUrl, "carol");
  const other = await resume(server.wsUrl, d.token);
  const unrelated = await newDevice(server.wsUrl, "dave");
  assert.deepEqual(await d.client.ok("session.logout", {}), {});
  assert.equal((await d.client.closed).code, CloseCode.SessionRevoked);
  assert.equal((await other.closed).code, CloseCode.SessionRevoked);
  const c = await TestClient.connect(server.wsUrl);
  await c.fail("session.resume", { token: d.token }, ErrorCode.SessionInvalid);
  // The device itself lives on: a new login can bind to it.
  const s = await login(c, "carol", d.password, d.deviceId);
  assert.equal(s.deviceId, d.deviceId);
  // Someone else's session was not touched.
  assert.equal((await unrelated.client.ok("device.list", {})).devices.length, 1);
  await Promise.all([c.close(), unrelated.client.close()]);
});

test("an unauthenticated connection is closed after authTimeoutMs", async () => {
  // The device is made first on a server with the default timeout: registration runs Argon2 on the
  // client, which on a loaded machine can outlast a short authTimeoutMs. Resuming is quick.
  const first = await startTestServer();
  const d = await newDevice(first.wsUrl, "erin");
  await d.client.close();
  await first.close();
  const quick = await startTestServer({ authTimeoutMs: 200, dataDir: first.dataDir });
  try {
    const c = await TestClient.connect(quick.wsUrl);
    assert.equal((await c.closed).code, CloseCode.AuthTimeout);
    // An authenticated one is not.
    const back = await resume(quick.wsUrl, d.token);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await back.ok("device.list", {})).devices.length, 1);
    await back.close();
  } finally {
    await quick.stop();
  }
});
