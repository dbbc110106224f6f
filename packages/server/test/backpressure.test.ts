import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CloseCode, newConversationId, type DeliverFrame } from "@parley/protocol";
import { newDevice, randomB64 } from "./helpers/accounts.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { recordingLogger } from "./helpers/logs.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const log = recordingLogger();
let server: TestServer;
before(async () => {
  server = await startTestServer({
    log: log.logger,
    limits: { maxFrameBytes: 256 * 1024 },
    sendBufferHighWaterBytes: 64 * 1024,
    sendBufferMaxBytes: 1024 * 1024,
    shutdownGraceMs: 10_000,
    rateLimit: { burst: 5000, perSecond: 1000 },
    maxQueuedRequests: 1000,
  });
});
after(() => server.stop());

test("a reader that stops reading pauses its pusher instead of filling memory, and catches up after", async () => {
  const alice = await newDevice(server.wsUrl, "alice");
  const bob = await newDevice(server.wsUrl, "bob");
  const conversationId = newConversationId();
  await alice.client.ok("conversation.create", { conversationId, kind: "group" });
  await alice.client.ok("conversation.commit", commitBody(conversationId, 0, { add: [bob.deviceId] }));
  await bob.client.nextPush((f) => f.type === "welcome");

  const socket = (bob.client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  // 24 MB for bob, far past the 1 MB hard cap: only a pusher that waits for the socket survives it.
  const COUNT = 400;
  for (let i = 0; i < COUNT; i++) {
    await alice.client.ok("message.send", { ...sendBody(conversationId, 1), ciphertext: randomB64(45_000) });
  }
  assert.ok(!log.lines.some((l) => l.msg === "closing connection" && l.code === CloseCode.SlowConsumer));
  socket.resume();
  const seqs: number[] = [];
  while (seqs.length < COUNT) {
    seqs.push(...(await bob.client.nextPush<DeliverFrame>((f) => f.type === "deliver", 20_000)).entries.map((e) => e.seq));
  }
  assert.deepEqual(seqs, Array.from({ length: COUNT }, (_, i) => i + 2));
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("a client that floods requests without reading replies is closed with SlowConsumer", async () => {
  const carol = await newDevice(server.wsUrl, "carol");
  const conversationId = newConversationId();
  await carol.client.ok("conversation.create", { conversationId, kind: "group", groupInfo: randomB64(150_000) });
  const socket = (carol.client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  const closing = log.waitFor((l) => l.msg === "closing connection" && l.code === CloseCode.SlowConsumer);
  // Each reply is ~200 kB; the kernel's socket buffers fill first, then the server's 1 MB cap.
  for (let i = 0; i < 400; i++) {
    carol.client.request("conversation.groupInfo", { conversationId }).catch(() => {});
  }
  await closing;
  socket.resume();
  assert.equal((await carol.client.closed).code, CloseCode.SlowConsumer);
});
