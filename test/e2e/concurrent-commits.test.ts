import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually, registerClient, serverPerFile, texts } from "./harness.js";

const ctx = serverPerFile();

test("two members commit at once: one wins the epoch, the other gets STALE_EPOCH, catches up and retries", async () => {
  const [alice, bob, carol, dave] = await Promise.all(["alice", "bob", "carol", "dave"].map((u) => registerClient(ctx.server.url, u)));
  ctx.clients.push(alice!, bob!, carol!, dave!);
  const conv = await alice!.client.createGroup("race", ["bob"]);
  await eventually(() => bob!.seen.joined.length === 1, "bob joins");

  // Both build a commit on the same epoch; the server orders them.
  await Promise.all([alice!.client.addMember(conv, "carol"), bob!.client.addMember(conv, "dave")]);
  assert.ok(alice!.client.stats.staleCommits + bob!.client.stats.staleCommits >= 1, "one of the two commits must have lost the race");
  await eventually(() => carol!.seen.joined.length === 1 && dave!.seen.joined.length === 1, "carol and dave join");
  const everyone = [alice!, bob!, carol!, dave!];
  for (const c of everyone) {
    await eventually(async () => new Set((await c.client.members(conv)).map((m) => m.username)).size === 4, `${c.client.username} sees 4 members`);
  }
  await dave!.client.sendText(conv, "hello from dave");
  for (const c of [alice!, bob!, carol!]) await eventually(() => texts(c, conv).includes("hello from dave"), `${c.client.username} reads dave`);
  assert.equal(alice!.seen.undecryptable.length + bob!.seen.undecryptable.length, 0);
});
