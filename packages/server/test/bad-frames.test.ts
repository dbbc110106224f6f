import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloseCode, ErrorCode, type ErrorReply } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { newDevice, type TestDevice } from "./helpers/accounts.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const MAX_FRAME = 64 * 1024;
let server: TestServer;
let bystander: TestDevice;
before(async () => {
  server = await startTestServer({ maxBadFrames: 5, limits: { maxFrameBytes: MAX_FRAME } });
  bystander = await newDevice(server.wsUrl, "bystander");
});
after(async () => {
  await bystander.client.close();
  await server.stop();
});

/** Another client on the same server keeps working through all of this. */
async function bystanderWorks(): Promise<void> {
  assert.equal((await bystander.client.ok("device.list", {})).devices.length, 1);
}

test("not JSON: BAD_FRAME with id 0, and the connection stays up", async () => {
  const c = await TestClient.connect(server.wsUrl);
  c.sendRaw("{not json");
  const e = await c.nextAnonymousError();
  assert.equal(e.code, ErrorCode.BadFrame);
  c.sendRaw("");
  assert.equal((await c.nextAnonymousError()).code, ErrorCode.BadFrame);
  c.sendRaw(Buffer.from([0x7b, 0x7d]), true);
  assert.equal((await c.nextAnonymousError()).code, ErrorCode.BadFrame);
  await c.fail("session.resume", { token: "A".repeat(43) }, ErrorCode.SessionInvalid);
  await bystanderWorks();
  await c.close();
});

test("wrong envelope shapes: BAD_FRAME, with the id when it is readable", async () => {
  const c = await TestClient.connect(server.wsUrl);
  for (const frame of ["[]", "null", "42", '"s"']) c.sendRaw(frame);
  for (let i = 0; i < 4; i++) assert.equal((await c.nextAnonymousError()).code, ErrorCode.BadFrame);
  await c.close();

  const d = await TestClient.connect(server.wsUrl);
  const replies = new Map<number, string>();
  d.ws.on("message", (data) => {
    const f = JSON.parse(String(data)) as ErrorReply;
    replies.set(f.id, f.code);
  });
  d.sendRaw('{"id":7,"type":"device.list"}');
  d.sendRaw('{"id":8,"type":"device.list","body":[]}');
  d.sendRaw('{"id":9,"type":"device.list","body":{},"extra":1}');
  d.sendRaw('{"id":"10","type":"device.list","body":{}}');
  await d.nextAnonymousError();
  assert.deepEqual([...replies], [
    [7, ErrorCode.BadFrame],
    [8, ErrorCode.BadFrame],
    [9, ErrorCode.BadFrame],
    [0, ErrorCode.BadFrame],
  ]);
  await d.close();
  await bystanderWorks();
});

test("unknown type: UNKNOWN_TYPE with the frame's id", async () => {
  const c = await TestClient.connect(server.wsUrl);
  const r = (await c.requestRaw("message.delete.everything", {})) as ErrorReply;
  assert.equal(r.code, ErrorCode.UnknownType);
  const proto = (await c.requestRaw("__proto__", {})) as ErrorReply;
  assert.equal(proto.code, ErrorCode.UnknownType);
  await c.close();
});

test("wrong body types: INVALID_BODY", async () => {
  const c = await TestClient.connect(server.wsUrl);
  const bodies: [string, unknown][] = [
    ["login.start", { username: 42, request: "x".repeat(20) }],
    ["login.start", { username: "UPPER", request: "x".repeat(20) }],
    ["login.start", { username: "ok", request: "x".repeat(20), extra: true }],
    ["register.finish", { username: "ok" }],
    ["session.resume", { token: "short" }],
  ];
  for (const [type, body] of bodies) {
    const r = (await c.requestRaw(type, body)) as ErrorReply;
    assert.equal(r.code, ErrorCode.InvalidBody, `${type} ${JSON.stringify(body)}`);
  }
  await c.close();
});

test("anything needing a session before auth: UNAUTHENTICATED; needing a device: DEVICE_REQUIRED", async () => {
  const c = await TestClient.connect(server.wsUrl);
  await c.fail("device.list", {}, ErrorCode.Unauthenticated);
  await c.fail("message.send", { conversationId: "A".repeat(22), epoch: 0, messageId: "m".repeat(10), ciphertext: "AAAA" }, ErrorCode.Unauthenticated);
  await c.fail("session.logout", {}, ErrorCode.Unauthenticated);
  await c.close();
  await bystanderWorks();
});

test("an oversized frame closes the connection with 1009", async () => {
  const c = await TestClient.connect(server.wsUrl);
  c.sendRaw(JSON.stringify({ id: 1, type: "login.start", body: { username: "x".repeat(MAX_FRAME) } }));
  assert.equal((await c.closed).code, CloseCode.FrameTooLarge);
  await bystanderWorks();
});

test("too many invalid frames close the connection with TooManyErrors", async () => {
  const c = await TestClient.connect(server.wsUrl);
  for (let i = 0; i < 4; i++) c.sendRaw("garbage");
  for (let i = 0; i < 4; i++) assert.equal((await c.nextAnonymousError()).code, ErrorCode.BadFrame);
  await c.fail("device.list", {}, ErrorCode.Unauthenticated);
  assert.equal((await c.closed).code, CloseCode.TooManyErrors);
  await bystanderWorks();
});

test("a handler that throws becomes INTERNAL, without taking anything else down", async () => {
  const original = server.store.listDevices;
  server.store.listDevices = async () => {
    throw new Error("disk on fire");
  };
  try {
    await bystander.client.fail("device.list", {}, ErrorCode.Internal);
  } finally {
    server.store.listDevices = original;
  }
  await bystanderWorks();
});
