import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { client as opaque, ready } from "@serenity-kit/opaque";
import { ErrorCode, type ErrorReply } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { login, randomB64, register } from "./helpers/accounts.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
before(async () => {
  await ready;
  server = await startTestServer();
});
after(() => server.stop());

/** A finishLoginRequest the server cannot tell from a real one until it checks the MAC. */
async function forgedFinish(c: TestClient, username: string): Promise<ErrorReply> {
  const start = opaque.startLogin({ password: "whatever" });
  const r = await c.ok("login.start", { username, request: start.startLoginRequest });
  assert.equal(typeof r.response, "string");
  // 64 bytes: the size of a real KE3 message, base64url without padding.
  const request = Buffer.from(randomB64(64), "base64").toString("base64url");
  const reply = await c.request("login.finish", { request });
  assert.equal(reply.type, "error");
  return reply as ErrorReply;
}

describe("register and login", () => {
  test("register then log in returns a session with the identity key and backup", async () => {
    const c = await TestClient.connect(server.wsUrl);
    const { identityKey, backup } = await register(c, "alice", "correct horse");
    const session = await login(c, "alice", "correct horse");
    assert.match(session.token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(session.username, "alice");
    assert.equal(session.identityKey, identityKey);
    assert.equal(session.backup, backup);
    assert.equal(session.deviceId, null);
    assert.ok(session.expiresAt > Date.now());
    assert.deepEqual((await c.ok("device.list", {})).devices, []);
    assert.deepEqual(c.violations, []);
    await c.close();
  });

  test("a taken username is refused at register.start and at register.finish", async () => {
    const c = await TestClient.connect(server.wsUrl);
    await register(c, "bob", "pw-bob");
    const start = opaque.startRegistration({ password: "x" });
    await c.fail("register.start", { username: "bob", request: start.registrationRequest }, ErrorCode.UsernameTaken);

    // Two connections both pass register.start for one name; only the first finish wins.
    const c1 = await TestClient.connect(server.wsUrl);
    const c2 = await TestClient.connect(server.wsUrl);
    const s1 = opaque.startRegistration({ password: "one" });
    const s2 = opaque.startRegistration({ password: "two" });
    const r1 = await c1.ok("register.start", { username: "carol", request: s1.registrationRequest });
    const r2 = await c2.ok("register.start", { username: "carol", request: s2.registrationRequest });
    const stretch = { "argon2id-custom": { memory: 1024, iterations: 1, parallelism: 1 } } as const;
    const f1 = opaque.finishRegistration({ clientRegistrationState: s1.clientRegistrationState, registrationResponse: r1.response, password: "one", keyStretching: stretch });
    const f2 = opaque.finishRegistration({ clientRegistrationState: s2.clientRegistrationState, registrationResponse: r2.response, password: "two", keyStretching: stretch });
    const body = { identityKey: randomB64(32), backup: randomB64(48) };
    const [a, b] = await Promise.all([
      c1.request("register.finish", { username: "carol", record: f1.registrationRecord, ...body }),
      c2.request("register.finish", { username: "carol", record: f2.registrationRecord, ...body }),
    ]);
    assert.deepEqual([a.type, b.type].sort(), ["error", "ok"]);
    assert.equal((a.type === "error" ? a : (b as ErrorReply)).code, ErrorCode.UsernameTaken);
    await Promise.all([c.close(), c1.close(), c2.close()]);
  });

  test("register.finish without register.start, and login.finish without login.start, are out of order", async () => {
    const c = await TestClient.connect(server.wsUrl);
    await c.fail(
      "register.finish",
      { username: "dave", record: "A".repeat(64), identityKey: randomB64(32), backup: randomB64(32) },
      ErrorCode.HandshakeState,
    );
    await c.fail("login.finish", { request: "A".repeat(86) }, ErrorCode.HandshakeState);
    await c.close();
  });

  test("malformed OPAQUE messages are INVALID_BODY, and a malformed record is not stored", async () => {
    const c = await TestClient.connect(server.wsUrl);
    await c.fail("register.start", { username: "erin", request: "A".repeat(20) }, ErrorCode.InvalidBody);
    await c.fail("login.start", { username: "erin", request: "A".repeat(20) }, ErrorCode.InvalidBody);
    const start = opaque.startRegistration({ password: "pw" });
    await c.ok("register.start", { username: "erin", request: start.registrationRequest });
    await c.fail(
      "register.finish",
      { username: "erin", record: "A".repeat(64), identityKey: randomB64(32), backup: randomB64(32) },
      ErrorCode.InvalidBody,
    );
    assert.equal(await server.store.getUser("erin"), null);
    await c.close();
  });
});

describe("failed logins", () => {
  test("a wrong password and an unknown user get identical answers", async () => {
    const setup = await TestClient.connect(server.wsUrl);
    await register(setup, "frank", "right password");
    await setup.close();

    // login.start: same shape and length for a known and an unknown username.
    const c = await TestClient.connect(server.wsUrl);
    const known = await c.ok("login.start", { username: "frank", request: opaque.startLogin({ password: "x" }).startLoginRequest });
    const unknown = await c.ok("login.start", { username: "nobody", request: opaque.startLogin({ password: "x" }).startLoginRequest });
    assert.deepEqual(Object.keys(known), Object.keys(unknown));
    assert.equal(known.response.length, unknown.response.length);

    // Client-side, a wrong password fails already; a forged finish is what an attacker can send.
    const wrong = await forgedFinish(c, "frank");
    const missing = await forgedFinish(c, "nobody");
    assert.equal(wrong.code, ErrorCode.AuthFailed);
    assert.deepEqual({ ...wrong, id: 0 }, { ...missing, id: 0 });

    // The real wrong password, end to end: the client cannot even produce a finish message.
    const start = opaque.startLogin({ password: "wrong password" });
    const r = await c.ok("login.start", { username: "frank", request: start.startLoginRequest });
    const stretch = { "argon2id-custom": { memory: 1024, iterations: 1, parallelism: 1 } } as const;
    assert.equal(opaque.finishLogin({ clientLoginState: start.clientLoginState, loginResponse: r.response, password: "wrong password", keyStretching: stretch }), undefined);

    // And the connection is still usable for a correct login afterwards.
    const session = await login(c, "frank", "right password");
    assert.equal(session.username, "frank");
    assert.deepEqual(c.violations, []);
    await c.close();
  });

  test("an authenticated connection refuses another login", async () => {
    const c = await TestClient.connect(server.wsUrl);
    await register(c, "gina", "pw");
    await login(c, "gina", "pw");
    await c.fail("login.start", { username: "gina", request: opaque.startLogin({ password: "pw" }).startLoginRequest }, ErrorCode.AlreadyAuthenticated);
    await c.close();
  });
});
