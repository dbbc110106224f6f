import { test } from "node:test";
import assert from "node:assert/strict";
import { toWebSocketUrl } from "../src/serverUrl.js";
import { UsageError } from "../src/errors.js";

test("server addresses as people type them become the /ws WebSocket URL", () => {
  assert.equal(toWebSocketUrl("http://127.0.0.1:8448"), "ws://127.0.0.1:8448/ws");
  assert.equal(toWebSocketUrl("https://chat.example.org"), "wss://chat.example.org/ws");
  assert.equal(toWebSocketUrl("127.0.0.1:9000"), "ws://127.0.0.1:9000/ws");
  assert.equal(toWebSocketUrl("ws://h:1/ws"), "ws://h:1/ws");
  assert.equal(toWebSocketUrl("wss://h/custom/ws"), "wss://h/custom/ws");
});

test("nonsense is a usage error that says why", () => {
  assert.throws(() => toWebSocketUrl("ftp://x"), UsageError);
  assert.throws(() => toWebSocketUrl("http://"), UsageError);
});
