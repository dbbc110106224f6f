import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { registerClient, startServerProcess, eventually, texts, type ServerProcess, type TestClient } from "./harness.js";

let server: ServerProcess;
const clients: TestClient[] = [];
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  for (const c of clients) await c.client.close();
  await server.stop();
});

test("alice, bob and carol chat in a group; carol is removed and cannot read what follows", async () => {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((u) => registerClient(server.url, u)));
  clients.push(alice!, bob!, carol!);
  const conv = await alice!.client.createGroup("team", ["bob", "carol"]);
  await eventually(() => bob!.seen.joined.length > 0 && carol!.seen.joined.length > 0, "bob and carol join");
  assert.equal(bob!.seen.joined[0]!.name, "team");

  await alice!.client.sendText(conv, "hello team");
  await eventually(() => texts(bob!, conv).includes("hello team") && texts(carol!, conv).includes("hello team"), "first message");
  await bob!.client.sendText(conv, "hi from bob");
  await carol!.client.sendText(conv, "hi from carol");
  await eventually(() => texts(alice!, conv).length === 2 && texts(bob!, conv).includes("hi from carol") && texts(carol!, conv).includes("hi from bob"), "everyone hears everyone");

  await alice!.client.removeMember(conv, "carol");
  await eventually(() => carol!.seen.removed.some((r) => r.conversationId === conv), "carol learns she was removed");
  await eventually(
    () => bob!.seen.membership.some((m) => m.conversationId === conv && m.change === "removed" && m.usernames.includes("carol")),
    "bob sees carol's removal",
  );
  const members = await alice!.client.members(conv);
  assert.deepEqual([...new Set(members.map((m) => m.username))].sort(), ["alice", "bob"]);

  await alice!.client.sendText(conv, "after carol left");
  await eventually(() => texts(bob!, conv).includes("after carol left"), "bob gets the later message");
  await carol!.client.waitUntilCaughtUp();
  assert.ok(!texts(carol!, conv).includes("after carol left"), "carol must not read messages after her removal");
  // Carol's MLS state is at the epoch before her removal: it cannot open later ciphertexts.
  await assert.rejects(carol!.client.sendText(conv, "still here?"));
});
