import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { build } from "esbuild";
import { ROOT } from "./harness.js";
import { openBrowser, type WebBrowser } from "./web-browser.js";

/**
 * The IndexedDB LocalStore in a real browser, against the same rules as the Node stores
 * (packages/client/test/local-store.test.ts), plus what only it has: the sealed-at-rest records,
 * unlock by export key, the per-tab reload unlock, and refusal of another account's key.
 * The store is bundled from source with esbuild and served on http://localhost (a secure context)
 * by request interception, so no server is involved.
 */
const ORIGIN = "http://localhost:9/";
let browser: WebBrowser;

before(async () => {
  const bundle = await build({
    stdin: {
      contents: `import * as browser from "@parley/client/browser"; globalThis.parleyBrowser = browser;`,
      resolveDir: join(ROOT, "packages/client"),
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["parley-src"],
    write: false,
    logLevel: "silent",
  });
  browser = await openBrowser();
  await browser.page.route(`${ORIGIN}**`, (route) => {
    const url = route.request().url();
    if (url.endsWith("/store.js")) return route.fulfill({ contentType: "text/javascript", body: bundle.outputFiles[0]!.text });
    return route.fulfill({ contentType: "text/html", body: `<!doctype html><title>store</title><script type="module" src="/store.js"></script>` });
  });
  await browser.page.goto(ORIGIN);
  await browser.page.waitForFunction("!!globalThis.parleyBrowser");
});
after(async () => {
  await browser?.close();
});

/** Runs an async function body in the page, with `S` (the browser module) and `assert(cond, what)` in scope. */
async function inPage<T>(body: string): Promise<T> {
  return browser.page.evaluate(`(async () => {
    const S = globalThis.parleyBrowser;
    function assert(cond, what) { if (!cond) throw new Error("assertion failed: " + what); }
    const exportKey = new Uint8Array(64).fill(7);
    const msg = (seq, id) => ({ conversationId: "c".repeat(22), seq, messageId: id || ("msg-" + seq + "-xxxx"), senderUser: "alice",
      senderDevice: "d".repeat(22), sentAt: 1000 + seq, direction: "in", state: "received", envelope: { v: 1, kind: "text", text: "t" + seq } });
    ${body}
  })()`) as Promise<T>;
}

test("locked until unlocked by the export key; every operation then works like the other stores", async () => {
  const result = await inPage<string>(`
    await S.IndexedDbStore.wipe({ name: "t1" });
    const store = await S.IndexedDbStore.open({ name: "t1" });
    assert((await store.getProfile()) === undefined, "a locked store has no profile");
    let refused = false;
    try { await store.listConversations(); } catch (e) { refused = /locked/.test(e.message); }
    assert(refused, "a locked store refuses reads");
    await store.unlock(exportKey, "alice");
    const id = "c".repeat(22);
    await store.applyInbound({ conversationId: id, processedSeq: 0, group: { state: new Uint8Array([1]), epoch: 0 } });
    await store.applyInbound({ conversationId: id, processedSeq: 1, group: { state: new Uint8Array([2]), epoch: 0 }, message: msg(1) });
    assert((await store.getGroup(id)).processedSeq === 1, "processed seq stored with the message");
    assert((await store.addMessage(msg(1))) === false, "same seq again refused");
    assert((await store.addMessage(msg(2, "msg-1-xxxx"))) === false, "same message id again refused");
    assert((await store.addMessage(msg(2))) === true, "a new message is added");
    for (let s = 3; s <= 12; s++) await store.addMessage(msg(s));
    await store.applyInbound({ conversationId: id, processedSeq: 0 });
    assert((await store.getGroup(id)).processedSeq === 1, "processed seq never goes back");
    const all = (await store.listMessages(id)).map((m) => m.seq).join(",");
    assert(all === "1,2,3,4,5,6,7,8,9,10,11,12", "messages in seq order (10 after 9): " + all);
    const last = (await store.listMessages(id, { limit: 3 })).map((m) => m.seq).join(",");
    assert(last === "10,11,12", "limit keeps the newest: " + last);
    const older = (await store.listMessages(id, { limit: 2, beforeSeq: 10 })).map((m) => m.seq).join(",");
    assert(older === "8,9", "beforeSeq pages back: " + older);
    assert((await store.listUnseen()).length === 12, "incoming messages start unseen");
    await store.markSeen(id, [1, 2, 3]);
    assert((await store.listUnseen())[0].seq === 4, "markSeen removes them from unseen");
    await store.setMessageState(id, "msg-5-xxxx", "read");
    assert((await store.listMessages(id)).find((m) => m.seq === 5).state === "read", "state updated");
    await store.putPin({ username: "bob", accountKey: new Uint8Array(32).fill(1), verified: false, changedKey: null, firstSeen: 1 });
    await store.putPin({ username: "carol", accountKey: new Uint8Array(32).fill(2), verified: true, changedKey: null, firstSeen: 2 });
    assert((await store.getPin("bob")).accountKey[0] === 1 && (await store.listPins()).length === 2, "pins");
    await store.putKeyPackages([{ ref: "r1", keyPackage: new Uint8Array([1]), privateState: new Uint8Array([2]), lastResort: false }]);
    assert((await store.getKeyPackage("r1")).privateState[0] === 2, "key package stored");
    await store.deleteKeyPackage("r1");
    assert((await store.getKeyPackage("r1")) === undefined, "key package deleted");
    await store.putConversation({ conversationId: id, kind: "direct", name: "", peer: "bob", createdAt: 5 });
    assert((await store.listConversations())[0].peer === "bob", "conversations");
    await store.setProfile({ serverUrl: "ws://x/ws", username: "alice", deviceId: "d", deviceName: "n", sessionToken: "tok",
      accountPublicKey: new Uint8Array(32), accountPrivateKey: new Uint8Array(32), signaturePublicKey: new Uint8Array(32),
      signaturePrivateKey: new Uint8Array(32), credential: new Uint8Array(3) });
    await store.clearSession();
    assert((await store.getProfile()).sessionToken === "", "clearSession forgets only the token");
    await store.close();
    return "ok";
  `);
  assert.equal(result, "ok");
});

test("applyInbound is all or nothing: a failing part leaves no trace of the others", async () => {
  const result = await inPage<string>(`
    await S.IndexedDbStore.wipe({ name: "t2" });
    const store = await S.IndexedDbStore.open({ name: "t2" });
    await store.unlock(exportKey, "alice");
    const id = "c".repeat(22);
    await store.applyInbound({ conversationId: id, processedSeq: 1, group: { state: new Uint8Array([1]), epoch: 0 }, message: msg(1) });
    let threw = false;
    try {
      // A message that cannot be encoded (a BigInt) fails after the group and conversation parts were queued.
      await store.applyInbound({ conversationId: id, processedSeq: 2, group: { state: new Uint8Array([9]), epoch: 1 },
        conversation: { conversationId: id, kind: "group", name: "x", peer: null, createdAt: 1 }, message: { ...msg(2), sentAt: 1n } });
    } catch { threw = true; }
    assert(threw, "the bad change was refused");
    const g = await store.getGroup(id);
    assert(g.epoch === 0 && g.state[0] === 1 && g.processedSeq === 1, "group unchanged");
    assert((await store.getConversation(id)) === undefined, "conversation not written");
    assert((await store.listMessages(id)).length === 1, "message not written");
    await store.close();
    return "ok";
  `);
  assert.equal(result, "ok");
});

test("records are sealed and bound to their key; another account's key is refused; the tab unlock survives a reload", async () => {
  const result = await inPage<string>(`
    await S.IndexedDbStore.wipe({ name: "t3", session: sessionStorage });
    const store = await S.IndexedDbStore.open({ name: "t3", session: sessionStorage });
    await store.unlock(exportKey, "alice");
    await store.putConversation({ conversationId: "a".repeat(22), kind: "group", name: "secret name one", peer: null, createdAt: 1 });
    await store.putConversation({ conversationId: "b".repeat(22), kind: "group", name: "secret name two", peer: null, createdAt: 2 });
    await store.close();
    // Raw look: values are bytes with no plaintext in them.
    const db = await new Promise((res, rej) => { const r = indexedDB.open("t3"); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const get = (k) => new Promise((res) => { const r = db.transaction("records").objectStore("records").get(k); r.onsuccess = () => res(r.result); });
    const put = (k, v) => new Promise((res) => { const tx = db.transaction("records", "readwrite"); tx.objectStore("records").put(v, k); tx.oncomplete = res; });
    const a = await get("conv/" + "a".repeat(22));
    const b = await get("conv/" + "b".repeat(22));
    assert(a instanceof Uint8Array, "values are bytes");
    assert(!new TextDecoder().decode(a).includes("secret"), "no plaintext in a value");
    // Moving a sealed value under another key is detected.
    await put("conv/" + "a".repeat(22), b);
    db.close();
    const again = await S.IndexedDbStore.open({ name: "t3", session: sessionStorage });
    assert(await again.resume(), "the tab's secret reopens the store without the export key");
    let moved = false;
    try { await again.getConversation("a".repeat(22)); } catch { moved = true; }
    assert(moved, "a value moved to another record key does not open");
    assert((await again.getConversation("b".repeat(22))).name === "secret name two", "the untouched record opens");
    await again.close();
    // Another account (another export key) cannot open this store.
    const other = await S.IndexedDbStore.open({ name: "t3", session: sessionStorage });
    let refused = "";
    try { await other.unlock(new Uint8Array(64).fill(8), "mallory"); } catch (e) { refused = e.message; }
    assert(/another account/.test(refused), "another account's key is refused: " + refused);
    // Lock forgets the tab secret: resume fails from then on.
    await other.lock();
    assert(!(await other.resume()), "after lock, no resume");
    await other.close();
    return "ok";
  `);
  assert.equal(result, "ok");
  // A real reload: the tab's sessionStorage survives it, memory does not.
  await inPage(`
    await S.IndexedDbStore.wipe({ name: "t4", session: sessionStorage });
    const store = await S.IndexedDbStore.open({ name: "t4", session: sessionStorage });
    await store.unlock(exportKey, "alice");
    await store.putConversation({ conversationId: "a".repeat(22), kind: "direct", name: "", peer: "bob", createdAt: 1 });
    await store.close();
  `);
  await browser.page.reload();
  await browser.page.waitForFunction("!!globalThis.parleyBrowser");
  const peer = await inPage<string>(`
    const store = await S.IndexedDbStore.open({ name: "t4", session: sessionStorage });
    assert(await store.resume(), "resumed after reload");
    const c = await store.getConversation("a".repeat(22));
    await store.close();
    return c.peer;
  `);
  assert.equal(peer, "bob");
  assert.deepEqual(browser.problems, []);
});
