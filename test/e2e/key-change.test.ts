import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { eventually, registerClient, serverPerFile } from "./harness.js";

const ctx = serverPerFile();

test("a server that swaps a contact's account key causes a loud warning and no silent send", async () => {
  const alice = await registerClient(ctx.server.url, "alice");
  const bob = await registerClient(ctx.server.url, "bob");
  ctx.clients.push(alice, bob);
  const conv = await alice.client.ensureDirect("bob");
  await alice.client.sendText(conv, "before");
  const before = await alice.client.safetyNumber("bob");

  // Play the malicious server: replace bob's account key in its database.
  const db = new Database(join(ctx.server.dataDir, "parley.db"));
  db.pragma("busy_timeout = 5000");
  db.prepare("UPDATE users SET identity_key = ? WHERE username = 'bob'").run(randomBytes(32).toString("base64"));
  db.close();

  await assert.rejects(alice.client.ensureDirect("bob"), (e: Error & { code?: string }) => e.code === "PARLEY_ERR_KEY_CHANGED");
  await eventually(() => alice.seen["key-changed"].some((k) => k.username === "bob"), "key-changed event");
  await assert.rejects(alice.client.sendText(conv, "must not go out"), (e: Error & { code?: string }) => e.code === "PARLEY_ERR_KEY_CHANGED");
  const sn = await alice.client.safetyNumber("bob");
  assert.equal(sn.changed, true);
  assert.equal(sn.digits, before.digits, "the safety number stays the pinned key's until the change is accepted");

  // Accepting the change (after comparing safety numbers) unblocks sending.
  await alice.client.acceptKeyChange("bob");
  const after = await alice.client.safetyNumber("bob");
  assert.notEqual(after.digits, before.digits);
  assert.equal(after.changed, false);
  await alice.client.sendText(conv, "after accepting");
});
