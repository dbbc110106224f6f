import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloseCode, ErrorCode, newConversationId, newDeviceId, type DeliverFrame } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { login, newDevice, randomB64, resume } from "./helpers/accounts.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer({ maxDevicesPerUser: 3 });
});
after(() => server.stop());

const deviceBody = (deviceId: string = newDeviceId()) => ({
  deviceId,
  name: "laptop",
  credential: randomB64(96),
  signatureKey: randomB64(32),
});

test("device.register binds the session; a second register on it is refused; ids are unique", async () => {
  const d = await newDevice(server.wsUrl, "alice");
  await d.client.fail("device.register", deviceBody(), ErrorCode.Forbidden);

  const c = await TestClient.connect(server.wsUrl);
  await login(c, "alice", d.password);
  await c.fail("keyPackages.count", {}, ErrorCode.DeviceRequired);
  await c.fail("device.register", deviceBody(d.deviceId), ErrorCode.DeviceExists);
  const second = deviceBody();
  await c.ok("device.register", second);
  assert.deepEqual(await c.ok("keyPackages.count", {}), { oneTime: 0, lastResort: false });

  const list = (await c.ok("device.list", {})).devices;
  assert.deepEqual(list.map((x) => x.deviceId).sort(), [d.deviceId, second.deviceId].sort());
  assert.ok(list.every((x) => x.revokedAt === null && x.name.length > 0));
  await Promise.all([c.close(), d.client.close()]);
});

test("the device quota counts live devices", async () => {
  const d = await newDevice(server.wsUrl, "bob");
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) {
    const c = await TestClient.connect(server.wsUrl);
    await login(c, "bob", d.password);
    const body = deviceBody();
    await c.ok("device.register", body);
    ids.push(body.deviceId);
    await c.close();
  }
  const c = await TestClient.connect(server.wsUrl);
  await login(c, "bob", d.password);
  await c.fail("device.register", deviceBody(), ErrorCode.QuotaExceeded);
  await d.client.ok("device.revoke", { deviceId: ids[0]! });
  await c.ok("device.register", deviceBody());
  await Promise.all([c.close(), d.client.close()]);
});

test("revoking a device: its socket closes, its session and login are refused, members get a system entry", async () => {
  const phone = await newDevice(server.wsUrl, "carol");
  const laptopClient = await TestClient.connect(server.wsUrl);
  await login(laptopClient, "carol", phone.password);
  const laptop = deviceBody();
  await laptopClient.ok("device.register", laptop);
  const dave = await newDevice(server.wsUrl, "dave");

  // dave's group has carol's phone in it.
  const conversationId = newConversationId();
  await dave.client.ok("conversation.create", { conversationId, kind: "group", name: "g" });
  await dave.client.ok("conversation.commit", {
    conversationId,
    epoch: 0,
    messageId: "add-carol-phone",
    commit: randomB64(100),
    groupInfo: randomB64(100),
    welcome: randomB64(100),
    add: [phone.deviceId],
    remove: [],
  });
  await phone.client.ok("keyPackages.upload", { keyPackages: [randomB64(200)], lastResort: randomB64(200) });

  assert.deepEqual(await laptopClient.ok("device.revoke", { deviceId: phone.deviceId }), {});
  assert.equal((await phone.client.closed).code, CloseCode.SessionRevoked);

  // The system entry reaches the remaining member.
  const frame = await dave.client.nextPush<DeliverFrame>(
    (f) => f.type === "deliver" && f.entries.some((e) => e.kind === "system"),
  );
  const system = frame.entries.find((e) => e.kind === "system");
  assert.deepEqual(system && system.kind === "system" ? system.system : null, {
    event: "revoked",
    username: "carol",
    deviceIds: [phone.deviceId],
  });
  const info = (await dave.client.ok("conversation.get", { conversationId })).conversation;
  assert.deepEqual(info.members, [{ username: "dave", deviceIds: [dave.deviceId] }]);

  // Its token, its login, its key packages and its listing are gone.
  const c = await TestClient.connect(server.wsUrl);
  await c.fail("session.resume", { token: phone.token }, ErrorCode.SessionInvalid);
  const probe = await TestClient.connect(server.wsUrl);
  const { client: opaque } = await import("@serenity-kit/opaque");
  const start = opaque.startLogin({ password: phone.password });
  const r = await probe.ok("login.start", { username: "carol", request: start.startLoginRequest });
  const fin = opaque.finishLogin({
    clientLoginState: start.clientLoginState,
    loginResponse: r.response,
    password: phone.password,
    keyStretching: { "argon2id-custom": { memory: 1024, iterations: 1, parallelism: 1 } },
  })!;
  await probe.fail("login.finish", { request: fin.finishLoginRequest, deviceId: phone.deviceId }, ErrorCode.DeviceRevoked);
  assert.deepEqual((await dave.client.ok("keyPackages.claim", { username: "carol" })).keyPackages, []);
  const lookup = await dave.client.ok("user.lookup", { username: "carol" });
  assert.deepEqual(lookup.devices.map((x) => x.deviceId), [laptop.deviceId]);
  const listed = (await laptopClient.ok("device.list", {})).devices.find((x) => x.deviceId === phone.deviceId);
  assert.ok(listed && listed.revokedAt !== null);

  // Revoking again is harmless; someone else's device is off limits; unknown ids are not found.
  assert.deepEqual(await laptopClient.ok("device.revoke", { deviceId: phone.deviceId }), {});
  await laptopClient.fail("device.revoke", { deviceId: dave.deviceId }, ErrorCode.Forbidden);
  await laptopClient.fail("device.revoke", { deviceId: newDeviceId() }, ErrorCode.DeviceNotFound);
  await Promise.all([c.close(), probe.close(), laptopClient.close(), dave.client.close()]);
});

test("revoking the device you are using closes your own socket after the reply", async () => {
  const d = await newDevice(server.wsUrl, "erin");
  const other = await resume(server.wsUrl, d.token);
  assert.deepEqual(await d.client.ok("device.revoke", { deviceId: d.deviceId }), {});
  assert.equal((await d.client.closed).code, CloseCode.SessionRevoked);
  assert.equal((await other.closed).code, CloseCode.SessionRevoked);
});

test("user.lookup: identity key and live devices, USER_NOT_FOUND otherwise", async () => {
  const d = await newDevice(server.wsUrl, "frank");
  const r = await d.client.ok("user.lookup", { username: "frank" });
  assert.equal(r.devices.length, 1);
  assert.equal(r.devices[0]!.deviceId, d.deviceId);
  await d.client.fail("user.lookup", { username: "nobody" }, ErrorCode.UserNotFound);
  await d.client.close();
});
