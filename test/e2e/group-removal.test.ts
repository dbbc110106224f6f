import { test } from "node:test";
import assert from "node:assert/strict";
import { MlsGroup } from "@parley/crypto";
import { fromBase64 } from "@parley/protocol";
import { SqliteLocalStore } from "@parley/client/node";
import { eventually, registerClient, serverEntries, serverPerFile, texts } from "./harness.js";

/** Carol's profile and stored MLS state for the conversation, read from her profile database. */
async function readGroup(profileDir: string, conversationId: string) {
  const store = new SqliteLocalStore(profileDir);
  try {
    const g = await store.getGroup(conversationId);
    const profile = await store.getProfile();
    if (!g || !profile) throw new Error("carol has no group state");
    return { profile, stored: g.state };
  } finally {
    await store.close();
  }
}

const ctx = serverPerFile();

test("alice, bob and carol chat in a group; carol is removed and cannot read what follows", async () => {
  const [alice, bob, carol] = await Promise.all(["alice", "bob", "carol"].map((u) => registerClient(ctx.server.url, u)));
  ctx.clients.push(alice!, bob!, carol!);
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
  // Even given the ciphertext (here: straight from the server's database), carol's MLS state, frozen
  // at the epoch before her removal, cannot open it.
  const entries = await serverEntries(ctx.server.dataDir, conv);
  const last = entries.filter((e) => e.kind === "application").at(-1)!;
  const { profile, stored } = await readGroup(carol!.profileDir, conv);
  const signer = { credentialIdentity: profile.credential, signaturePublicKey: profile.signaturePublicKey, signaturePrivateKey: profile.signaturePrivateKey };
  const carolGroup = await MlsGroup.restore(stored, signer, async () => true);
  await assert.rejects(carolGroup.process(fromBase64(last.data!)));
  // Her client knows it, and refuses to send there.
  await assert.rejects(carol!.client.sendText(conv, "still here?"), (e: Error & { code?: string }) => e.code === "PARLEY_ERR_NOT_MEMBER");
});
