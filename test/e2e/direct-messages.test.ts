import { test } from "node:test";
import assert from "node:assert/strict";
import { ParleyClient, isParleyError } from "@parley/client";
import { SqliteLocalStore, nodeSocketFactory } from "@parley/client/node";
import { eventually, registerClient, serverPerFile, tempDir, texts, wsUrl } from "./harness.js";

const ctx = serverPerFile();

test("alice sends bob 3 messages; bob reads them in order, exactly once", async () => {
  const alice = await registerClient(ctx.server.url, "alice");
  const bob = await registerClient(ctx.server.url, "bob");
  ctx.clients.push(alice, bob);
  const conv = await alice.client.ensureDirect("bob");
  for (const text of ["one", "two", "three"]) await alice.client.sendText(conv, text);
  await eventually(() => texts(bob, conv).length >= 3, "bob's 3 messages");
  await bob.client.waitUntilCaughtUp();
  assert.deepEqual(texts(bob, conv), ["one", "two", "three"]);
  const history = await bob.client.history(conv);
  assert.deepEqual(history.map((m) => ("text" in m.envelope ? m.envelope.text : "")), ["one", "two", "three"]);
  assert.ok(history.every((m) => m.senderUser === "alice"));
  // Bob answers in the same conversation; ensureDirect from his side finds it.
  assert.equal(await bob.client.ensureDirect("alice"), conv);
  await bob.client.sendText(conv, "hi alice");
  await eventually(() => texts(alice, conv).includes("hi alice"), "alice gets the reply");
});

test("a wrong password and an unknown user get the same answer", async () => {
  const attempt = async (username: string, password: string) => {
    const store = new SqliteLocalStore(tempDir("probe"));
    try {
      await ParleyClient.login({ serverUrl: wsUrl(ctx.server.url), store, socketFactory: nodeSocketFactory() }, username, password);
      return "logged in";
    } catch (e) {
      assert.ok(isParleyError(e), String(e));
      return `${e.code}: ${e.message}`;
    } finally {
      await store.close();
    }
  };
  const wrong = await attempt("alice", "not her password");
  const unknown = await attempt("nobody-here", "whatever password");
  assert.equal(wrong, unknown);
  assert.match(wrong, /PARLEY_ERR_AUTH_FAILED/);
});
