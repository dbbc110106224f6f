import { test, after } from "node:test";
import assert from "node:assert/strict";
import { registerClient, startServerProcess, eventually, texts, type ServerProcess, type TestClient } from "./harness.js";

let server: ServerProcess;
const clients: TestClient[] = [];
after(async () => {
  for (const c of clients) await c.client.close();
  await server.stop();
});

test("SIGKILL mid-stream and restart on the same data dir: no acknowledged message lost, none shown twice", async () => {
  server = await startServerProcess();
  const { dataDir, port } = server;
  const alice = await registerClient(server.url, "alice");
  const bob = await registerClient(server.url, "bob");
  clients.push(alice, bob);
  const conv = await alice.client.ensureDirect("bob");

  const acked: string[] = [];
  const failed: string[] = [];
  let restarted: Promise<void> | undefined;
  for (let i = 1; i <= 60; i++) {
    const text = `m${i}`;
    if (i === 20) {
      restarted = (async () => {
        await server.kill();
        server = await startServerProcess({ dataDir, port });
      })();
    }
    try {
      await alice.client.sendText(conv, text);
      acked.push(text);
    } catch {
      failed.push(text);
    }
  }
  await restarted;
  await eventually(() => acked.every((t) => texts(bob, conv).includes(t)), "bob has every acknowledged message", 60_000);
  await bob.client.waitUntilCaughtUp();
  const got = texts(bob, conv);
  assert.equal(new Set(got).size, got.length, `duplicates shown: ${got.join(",")}`);
  // Order per conversation is the server's sequence order, which follows alice's send order.
  const order = got.map((t) => Number(t.slice(1)));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  for (const t of acked) assert.ok(got.includes(t), `lost acknowledged ${t}`);
  assert.ok(acked.length >= 40, `most sends should survive the restart (acked ${acked.length}, failed ${failed.length})`);
  const history = await bob.client.history(conv, 1000);
  assert.equal(new Set(history.map((m) => m.messageId)).size, history.length);
});
