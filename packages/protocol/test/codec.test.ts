import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FrameCodec, ErrorCode, CloseCode, errorCodes, requestSchemas, defaultLimits, toBase64, fromBase64, randomId } from "../src/index.js";

const codec = new FrameCodec();
const id22 = () => randomId();
const b64 = (n: number) => toBase64(new Uint8Array(n).fill(7));
const opaque = "A".repeat(64);

/** One valid body for every request type: the schemas must accept what clients really send. */
const samples: Record<string, unknown> = {
  "register.start": { username: "alice", request: opaque },
  "register.finish": { username: "alice", record: opaque, identityKey: b64(32), backup: b64(100) },
  "login.start": { username: "alice", request: opaque },
  "login.finish": { request: opaque, deviceId: id22() },
  "session.resume": { token: "t".repeat(43) },
  "session.logout": {},
  "device.register": { deviceId: id22(), name: "laptop", credential: b64(200), signatureKey: b64(32) },
  "device.list": {},
  "device.revoke": { deviceId: id22() },
  "user.lookup": { username: "bob" },
  "keyPackages.upload": { keyPackages: [b64(300)], lastResort: b64(300) },
  "keyPackages.count": {},
  "keyPackages.claim": { username: "bob" },
  "conversation.create": { conversationId: id22(), kind: "direct", peer: "bob" },
  "conversation.list": {},
  "conversation.get": { conversationId: id22() },
  "conversation.commit": { conversationId: id22(), epoch: 0, messageId: id22(), commit: b64(500), groupInfo: b64(500), welcome: b64(500), add: [id22()], remove: [] },
  "conversation.externalJoin": { conversationId: id22(), epoch: 3, messageId: id22(), commit: b64(500), groupInfo: b64(500) },
  "conversation.groupInfo": { conversationId: id22() },
  "conversation.leave": { conversationId: id22() },
  "message.send": { conversationId: id22(), epoch: 1, messageId: id22(), ciphertext: b64(256) },
  "delivery.ack": { conversationId: id22(), seq: 5 },
  "delivery.pending": {},
  "welcome.ack": { seq: 1 },
};

test("every request type has a sample, and every sample parses", () => {
  assert.deepEqual(Object.keys(samples).sort(), Object.keys(requestSchemas(defaultLimits)).sort());
  for (const [type, body] of Object.entries(samples)) {
    const r = codec.parseRequest(JSON.stringify({ id: 1, type, body }));
    assert.equal(r.kind, "ok", `${type}: ${JSON.stringify(r)}`);
  }
});

test("bad frames get their own error codes and keep the request id when it is readable", () => {
  const cases: Array<[string, string, number]> = [
    ["not json", ErrorCode.BadFrame, 0],
    ["[]", ErrorCode.BadFrame, 0],
    [JSON.stringify({ id: 4, type: "nope", body: {} }), ErrorCode.UnknownType, 4],
    [JSON.stringify({ id: 5, type: "__proto__", body: {} }), ErrorCode.UnknownType, 5],
    [JSON.stringify({ id: 6, type: "login.start", body: { username: "Alice!", request: opaque } }), ErrorCode.InvalidBody, 6],
    [JSON.stringify({ id: 7, type: "message.send", body: { ...(samples["message.send"] as object), extra: 1 } }), ErrorCode.InvalidBody, 7],
    [JSON.stringify({ id: 8, type: "delivery.ack", body: { conversationId: id22(), seq: -1 } }), ErrorCode.InvalidBody, 8],
    [JSON.stringify({ id: 9, type: "device.list" }), ErrorCode.BadFrame, 9],
  ];
  for (const [raw, code, id] of cases) {
    const r = codec.parseRequest(raw);
    assert.equal(r.kind, "error", raw);
    if (r.kind === "error") {
      assert.equal(r.code, code, raw);
      assert.equal(r.id, id, raw);
    }
  }
});

test("size limits are enforced before parsing and inside bodies", () => {
  const small = new FrameCodec({ maxFrameBytes: 1000, maxMessageBytes: 100 });
  const big = JSON.stringify({ id: 1, type: "message.send", body: { ...(samples["message.send"] as object), ciphertext: b64(2000) } });
  const r1 = small.parseRequest(big);
  assert.equal(r1.kind === "error" && r1.code, ErrorCode.FrameTooLarge);
  const r2 = small.parseRequest(JSON.stringify({ id: 1, type: "message.send", body: { ...(samples["message.send"] as object), ciphertext: b64(200) } }));
  assert.equal(r2.kind === "error" && r2.code, ErrorCode.InvalidBody);
});

test("the parser never throws, whatever arrives", () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void codec.parseRequest(s)));
  fc.assert(fc.property(fc.json(), (s) => void codec.parseRequest(s)));
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void codec.parseRequest(b)));
  fc.assert(fc.property(fc.json(), (s) => void codec.parseServerFrame(s)));
});

test("server frames: replies and pushes are validated on the client side too", () => {
  assert.equal(codec.parseServerFrame(JSON.stringify({ id: 1, type: "ok", result: {} })).kind, "reply");
  assert.equal(codec.parseServerFrame(JSON.stringify({ id: 1, type: "error", code: ErrorCode.StaleEpoch, message: "x", details: { epoch: 3 } })).kind, "reply");
  const deliver = {
    type: "deliver",
    conversationId: id22(),
    entries: [{ kind: "application", seq: 1, epoch: 0, messageId: id22(), sender: { username: "bob", deviceId: id22() }, sentAt: 1, data: b64(10) }],
  };
  assert.equal(codec.parseServerFrame(JSON.stringify(deliver)).kind, "push");
  assert.equal(codec.parseServerFrame(JSON.stringify({ ...deliver, entries: [{ kind: "application" }] })).kind, "invalid");
  assert.equal(codec.parseServerFrame(JSON.stringify({ type: "mystery" })).kind, "invalid");
});

test("error codes are unique PARLEY_ERR_ strings; close codes are unique", () => {
  assert.equal(new Set(errorCodes).size, errorCodes.length);
  for (const c of errorCodes) assert.match(c, /^PARLEY_ERR_[A-Z_]+$/);
  const closes = Object.values(CloseCode);
  assert.equal(new Set(closes).size, closes.length);
});

test("base64 round-trips any bytes and rejects non-base64", () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 5000 }), (b) => assert.deepEqual(fromBase64(toBase64(b)), b)));
  assert.throws(() => fromBase64("abc"), RangeError);
  assert.throws(() => fromBase64("ab$="), RangeError);
});
