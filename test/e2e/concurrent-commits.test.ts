import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually, registerClient, serverPerFile, texts, type TestClient } from "./harness.js";

const ctx = serverPerFile();

/**
 * Whether two commits really overlap depends on scheduling: if alice's commit reaches bob before
 * he builds his, he simply builds on the new epoch and nothing is stale. So the race is run again,
 * each round adding two new users, until one round has produced a STALE_EPOCH; a round without one
 * is still a correct outcome and is checked like the others.
 */
const MAX_ROUNDS = 4;

test("two members commit at once: one wins the epoch, the other gets STALE_EPOCH, catches up and retries", async () => {
  const [alice, bob] = await Promise.all(["alice", "bob"].map((u) => registerClient(ctx.server.url, u)));
  ctx.clients.push(alice!, bob!);
  const conv = await alice!.client.createGroup("race", ["bob"]);
  await eventually(() => bob!.seen.joined.length === 1, "bob joins");

  const everyone: TestClient[] = [alice!, bob!];
  let stale = 0;
  for (let round = 0; round < MAX_ROUNDS && stale === 0; round++) {
    const [x, y] = await Promise.all([`carol${round}`, `dave${round}`].map((u) => registerClient(ctx.server.url, u)));
    ctx.clients.push(x!, y!);
    // Both build a commit on the same epoch; the server orders them.
    await Promise.all([alice!.client.addMember(conv, x!.client.username), bob!.client.addMember(conv, y!.client.username)]);
    stale = alice!.client.stats.staleCommits + bob!.client.stats.staleCommits;
    await eventually(() => x!.seen.joined.length === 1 && y!.seen.joined.length === 1, `round ${round}: both new members join`);
    everyone.push(x!, y!);
    for (const c of everyone) {
      await eventually(async () => new Set((await c.client.members(conv)).map((m) => m.username)).size === everyone.length, `${c.client.username} sees ${everyone.length} members`);
    }
  }
  assert.ok(stale >= 1, `one of the two commits must have lost the race in at least one of ${MAX_ROUNDS} rounds`);

  const last = everyone[everyone.length - 1]!;
  await last.client.sendText(conv, `hello from ${last.client.username}`);
  for (const c of everyone.slice(0, -1)) await eventually(() => texts(c, conv).includes(`hello from ${last.client.username}`), `${c.client.username} reads ${last.client.username}`);
  for (const c of everyone) assert.equal(c.seen.undecryptable.length, 0, `${c.client.username} could decrypt everything`);
});
