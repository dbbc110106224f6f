import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually, registerClient, reopenClient, serverPerFile, texts } from "./harness.js";

const ctx = serverPerFile();

test("bob is offline while alice sends 100 messages to a group; he later gets all 100, in order, once", async () => {
  const alice = await registerClient(ctx.server.url, "alice");
  const bob = await registerClient(ctx.server.url, "bob");
  const carol = await registerClient(ctx.server.url, "carol");
  ctx.clients.push(alice, carol);
  const conv = await alice.client.createGroup("offline", ["bob", "carol"]);
  await eventually(() => bob.seen.joined.length === 1, "bob joins");
  await bob.client.close();

  const sent = Array.from({ length: 100 }, (_, i) => `message ${i + 1}`);
  for (const text of sent) await alice.client.sendText(conv, text);
  await eventually(() => texts(carol, conv).length === 100, "carol, online, gets them live");

  const back = await reopenClient(ctx.server.url, bob.profileDir);
  ctx.clients.push(back);
  await back.client.waitUntilCaughtUp();
  await eventually(() => texts(back, conv).length >= 100, "bob catches up");
  assert.deepEqual(texts(back, conv), sent);
  const history = await back.client.history(conv, 1000);
  assert.deepEqual(history.map((m) => ("text" in m.envelope ? m.envelope.text : "")), sent);
});
