import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeRecord, encodeRecord } from "../src/browser/recordCodec.js";
import { sameOriginServerUrl } from "../src/browser/socket.js";

test("browser store records round-trip, bytes included, nested anywhere", () => {
  const value = {
    state: new Uint8Array([0, 1, 2, 255]),
    nested: { keys: [new Uint8Array(0), new Uint8Array([9])], n: 3, s: "ünï ✓", none: null },
    flag: true,
  };
  assert.deepEqual(decodeRecord(encodeRecord(value)), value);
  assert.deepEqual(decodeRecord(encodeRecord("a string")), "a string");
});

test("only a lone $b field is read as bytes; anything else stays an object", () => {
  const tricky = { a: { $b: "AAE=", extra: 1 }, b: ["$b"] };
  assert.deepEqual(decodeRecord(encodeRecord(tricky)), tricky);
  assert.throws(() => decodeRecord(new Uint8Array([0xff, 0xfe])), TypeError, "invalid UTF-8 is refused, not replaced");
});

test("the page's own origin gives the WebSocket URL: wss under https", () => {
  assert.equal(sameOriginServerUrl({ protocol: "https:", host: "chat.example.org" }), "wss://chat.example.org/ws");
  assert.equal(sameOriginServerUrl({ protocol: "http:", host: "127.0.0.1:8448" }), "ws://127.0.0.1:8448/ws");
});
