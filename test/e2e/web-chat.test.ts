import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { eventually, startServerProcess, type ServerProcess } from "./harness.js";
import {
  axeViolations,
  dumpIndexedDb,
  profileFilesOnDisk,
  openBrowser,
  openChat,
  register,
  screenshot,
  sendMessage,
  shownMessages,
  type WebBrowser,
} from "./web-browser.js";

let server: ServerProcess;
const browsers: WebBrowser[] = [];
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await server.stop();
});

const ALICE_PW = "alice's long browser password";
const BOB_PW = "bob's long browser password";
// Unique strings, so finding one anywhere can only mean the plaintext leaked.
const HELLO = "Hello Bob, the plum tree blooms at dawn 7f3a";
const REPLY = "Hi Alice, bring the blue umbrella 91c2";

test("two browsers register, chat 1:1 with typing and read state; reload keeps it; IndexedDB holds no plaintext; axe finds nothing serious", async () => {
  const alice = await openBrowser();
  const bob = await openBrowser();
  browsers.push(alice, bob);
  const a = alice.page;
  const b = bob.page;

  await a.goto(server.url);
  await a.getByRole("heading", { name: "Log in to Parley" }).waitFor();
  assert.deepEqual(await axeViolations(a), [], "login view");
  await screenshot(a, "login");

  await register(a, server.url, "alice", ALICE_PW);
  await register(b, server.url, "bob", BOB_PW);
  assert.equal(await a.getByRole("status", { name: "Connection: Online" }).count(), 1);

  // Alice starts the 1:1 and writes; Enter sends.
  await a.getByLabel("Start a chat with (username)").fill("bob");
  await a.getByRole("button", { name: "Start", exact: true }).click();
  await a.getByRole("heading", { name: "bob", level: 1 }).waitFor();
  await sendMessage(a, HELLO);

  // Bob sees the conversation with an unread badge, then opens it.
  await b.getByRole("button", { name: /^Chat with\s+alice\s*,\s*1\s+unread$/ }).waitFor();
  assert.equal(await b.title(), "(1) Parley", "the tab title counts unread messages");
  // Bob's browser got it but has not shown it: Alice sees "Delivered" (a receipt inside MLS).
  await a.locator(`.message.out .state[data-state="delivered"]`).waitFor();
  assert.deepEqual(await axeViolations(b), [], "conversation list view");
  await screenshot(b, "conversation-list");
  await openChat(b, "alice");
  await b.locator(".message.in .text", { hasText: HELLO }).waitFor();
  assert.deepEqual(await shownMessages(b), [`alice: ${HELLO}`]);
  await b.waitForFunction(() => document.title === "Parley");

  // Bob opened it while visible: Alice's message turns "Read" (a receipt inside MLS).
  await a.locator(`.message.out[data-message-id] .state[data-state="read"]`).waitFor();

  // Typing: Bob types without sending; Alice sees it, then the message.
  await b.getByLabel("Message to alice").fill("");
  await b.getByLabel("Message to alice").pressSequentially("Hi Al", { delay: 20 });
  await a.getByText("bob is typing…").waitFor();
  // Shift+Enter makes a new line instead of sending.
  await b.getByLabel("Message to alice").press("Shift+Enter");
  assert.equal(await b.getByLabel("Message to alice").inputValue(), "Hi Al\n");
  await b.getByLabel("Message to alice").fill(REPLY);
  await b.getByLabel("Message to alice").press("Enter");
  await a.locator(".message.in .text", { hasText: REPLY }).waitFor();
  await a.getByText("bob is typing…").waitFor({ state: "detached" });
  assert.deepEqual(await shownMessages(a), [`You: ${HELLO}`, `bob: ${REPLY}`]);
  assert.deepEqual(await axeViolations(a), [], "conversation view");
  await screenshot(a, "conversation");

  // Safety number: digits and a QR code; Alice marks Bob verified.
  await a.getByRole("button", { name: "Safety number" }).click();
  await a.getByRole("img", { name: "QR code of the safety number with bob" }).locator("svg").waitFor();
  const digits = await a.locator(".safety .digits").getAttribute("aria-label");
  assert.match(digits ?? "", /^Safety number: (\d{5} ){11}\d{5}$/);
  assert.deepEqual(await axeViolations(a), [], "safety number view");
  await screenshot(a, "safety-number");
  await a.getByRole("button", { name: "Mark bob as verified" }).click();
  await a.getByText("bob is verified.").waitFor();
  // Both sides compute the same number.
  await b.getByRole("button", { name: "Safety number" }).click();
  assert.equal(await b.locator(".safety .digits").getAttribute("aria-label"), digits);

  // The IndexedDB contents hold no plaintext: not the messages, passwords or usernames.
  for (const who of [alice, bob]) {
    const dump = await dumpIndexedDb(who.page);
    assert.ok(dump.records > 20, `expected many records, got ${dump.records}`);
    for (const secret of [HELLO, REPLY, "plum tree", "umbrella", ALICE_PW, BOB_PW]) assert.ok(!dump.text.includes(secret), `IndexedDB holds "${secret}"`);
    const values = dump.text.split("\n").map((l) => l.slice(l.indexOf("=") + 1)).join("\n");
    for (const name of ["alice", "bob"]) assert.ok(!values.includes(name), `an IndexedDB value holds the username ${name}`);
    const idbFiles = profileFilesOnDisk(who.profileDir, "Default/IndexedDB");
    assert.ok(idbFiles.length > 10_000, "the profile has IndexedDB files on disk");
    // The whole profile directory, as a copy would take it (cache, session files, everything).
    const disk = profileFilesOnDisk(who.profileDir).toString("latin1");
    for (const secret of ["plum tree", "umbrella", ALICE_PW, BOB_PW]) {
      // Chromium keeps some strings as UTF-16: look for both encodings.
      for (const form of [secret, Buffer.from(secret, "utf16le").toString("latin1")]) assert.ok(!disk.includes(form), `the on-disk profile holds "${secret}"`);
    }
  }

  // A reload keeps the session and the history, without asking for the password.
  await a.reload();
  await a.getByRole("heading", { name: "Welcome, alice" }).waitFor();
  await openChat(a, "bob");
  await a.locator(".message.in .text", { hasText: REPLY }).waitFor();
  assert.deepEqual(await shownMessages(a), [`You: ${HELLO}`, `bob: ${REPLY}`]);
  await sendMessage(a, "after the reload");
  await b.locator(".message.in .text", { hasText: "after the reload" }).waitFor();

  // The dump check can fail: plaintext written into IndexedDB is found.
  await a.evaluate(async (canary) => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open("canary", 1);
      r.onupgradeneeded = () => r.result.createObjectStore("s");
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    await new Promise((res) => {
      const tx = db.transaction("s", "readwrite");
      tx.objectStore("s").put(new TextEncoder().encode(canary), "k");
      tx.oncomplete = res;
    });
    db.close();
  }, "canary plum tree");
  assert.ok((await dumpIndexedDb(a)).text.includes("canary plum tree"));
  await eventually(() => profileFilesOnDisk(alice.profileDir).toString("latin1").includes("canary plum tree"), "the disk check to find a planted plaintext");

  assert.deepEqual([...alice.problems, ...bob.problems], []);
});
