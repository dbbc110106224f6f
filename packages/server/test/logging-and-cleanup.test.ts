import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { newConversationId, type DeliverFrame } from "@parley/protocol";
import type { MemoryBus } from "../src/index.js";
import { newDevice } from "./helpers/accounts.js";
import { TestClient } from "./helpers/client.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { recordingLogger } from "./helpers/logs.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const log = recordingLogger();
let server: TestServer;
before(async () => {
  server = await startTestServer({ log: log.logger });
});
after(() => server.stop());

test("logs say what happened without bodies, tokens, keys or ciphertexts; disconnects release everything", async () => {
  const alice = await newDevice(server.wsUrl, "alice");
  const bob = await newDevice(server.wsUrl, "bob");
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group", name: "secret plans" });
  const commit = commitBody(conversationId, 0, { add: [bob.deviceId] });
  await alice.client.ok("conversation.commit", commit);
  const message = sendBody(conversationId, 1);
  await alice.client.ok("message.send", message);
  await bob.client.nextPush<DeliverFrame>((f) => f.type === "deliver");
  const bad = await TestClient.connect(server.wsUrl);
  await bad.request("login.start", { username: "x", request: "hunter2hunter2hunter2" });

  await Promise.all([alice.client.close(), bob.client.close(), bad.close()]);
  await log.waitFor(() => log.lines.filter((l) => l.msg === "connection closed").length >= 3);
  assert.equal(server.connectionCount(), 0);
  assert.equal((server.bus as MemoryBus).topicCount, 0);

  const text = log.lines.map((l) => JSON.stringify(l)).join("\n");
  for (const secret of [alice.token, bob.token, alice.password, message.ciphertext, commit.commit, commit.welcome!, "secret plans", "hunter2"]) {
    assert.ok(!text.includes(secret), `a log line contains ${secret.slice(0, 12)}…`);
  }
  const requests = log.lines.filter((l) => l.msg === "request");
  assert.ok(requests.some((l) => l.type === "message.send" && l.outcome === "ok" && typeof l.ms === "number"));
  assert.ok(log.lines.some((l) => l.msg === "bad frame" && l.outcome === "PARLEY_ERR_INVALID_BODY"));
});
