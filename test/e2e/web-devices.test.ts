import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { cleanup, eventually, registerClient, texts, startServerProcess, type ServerProcess, type TestClient } from "./harness.js";
import { axeViolations, dumpIndexedDb, login, openBrowser, openChat, register, screenshot, sendMessage, shownMessages, type WebBrowser } from "./web-browser.js";

let server: ServerProcess;
let bob: TestClient;
const browsers: WebBrowser[] = [];
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await bob?.client.close();
  if (bob) cleanup(bob.profileDir);
  await server.stop();
});

const PW = "alice's browser password, long enough";

test("a second browser of the same account restores the account key, joins, receives new messages; devices can be listed and revoked; phone width works", async () => {
  const first = await openBrowser();
  browsers.push(first);
  await register(first.page, server.url, "alice", PW);

  // Bob uses the SDK from Node and writes first.
  bob = await registerClient(server.url, "bob");
  const conversationId = await bob.client.ensureDirect("alice");
  await bob.client.sendText(conversationId, "one, before the second browser");
  await openChat(first.page, "bob");
  await first.page.locator(".message.in .text", { hasText: "one, before" }).waitFor();

  // A new browser (phone-sized, dark) logs in: a new device; only the password is needed.
  const second = await openBrowser({ width: 390, height: 780, colorScheme: "dark" });
  browsers.push(second);
  const p = second.page;
  await login(p, server.url, "alice", PW);
  // It joins the existing conversation by itself, then receives what is sent from now on.
  await p.getByRole("button", { name: /^Chat with\s+bob/ }).waitFor();
  await eventually(async () => (await bob.client.members(conversationId)).filter((m) => m.username === "alice").length === 2, "bob's group to hold both alice devices");
  await bob.client.sendText(conversationId, "two, after the second browser");
  await openChat(p, "bob");
  await p.locator(".message.in .text", { hasText: "two, after" }).waitFor();
  await first.page.locator(".message.in .text", { hasText: "two, after" }).waitFor();
  // At phone width the list gives way to the conversation; the back button returns to it.
  assert.equal(await p.getByRole("navigation", { name: "Conversations" }).isVisible(), false);
  await sendMessage(p, "three, from the phone");
  await eventually(() => texts(bob).includes("three, from the phone"), "bob to receive the phone's message");
  assert.deepEqual(await axeViolations(p), [], "phone conversation view, dark");
  await screenshot(p, "phone-dark-conversation");
  await p.getByRole("button", { name: "Back to conversations" }).click();
  await p.getByRole("navigation", { name: "Conversations" }).waitFor();

  // The device list shows both browsers; the second revokes the first.
  await p.getByRole("button", { name: "Devices" }).click();
  await p.getByRole("heading", { name: "Your devices" }).waitFor();
  const rows = p.locator(".devices tbody tr");
  await eventually(async () => (await rows.count()) === 2, "two devices listed");
  assert.equal(await p.getByText("(this browser)").count(), 1);
  assert.deepEqual(await axeViolations(p), [], "devices view");
  await screenshot(p, "phone-dark-devices");
  await p.getByRole("button", { name: /^Revoke / }).click();
  await p.locator(".devices td", { hasText: "revoked" }).waitFor();

  // The revoked browser is told at once and returns to the login screen.
  await first.page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
  await first.page.getByText("Your session ended").waitFor();

  // Log out and back in on the second browser: the same device, the history still there.
  await p.getByRole("button", { name: "Back" }).click();
  assert.ok((await dumpIndexedDb(p)).text.includes("records/unlock="), "while logged in, the wrapped key is there");
  await p.getByRole("button", { name: "Log out" }).click();
  await p.getByRole("heading", { name: "Log in to Parley" }).waitFor();
  // Logging out drops both halves of the reload unlock: a reload now asks for the password.
  await eventually(async () => (await p.evaluate(() => sessionStorage.getItem("parley.unlock"))) === null, "the tab secret to go");
  await eventually(async () => !(await dumpIndexedDb(p)).text.includes("records/unlock="), "the wrapped key to go");
  await p.reload();
  await p.getByRole("heading", { name: "Log in to Parley" }).waitFor();
  await login(p, server.url, "alice", PW);
  await openChat(p, "bob");
  assert.deepEqual(await shownMessages(p), ["bob: two, after the second browser", "You: three, from the phone"]);
  const devices = await bob.client.devices().catch(() => []);
  assert.equal(devices.length, 1, "bob sees only his own devices");
  assert.deepEqual([...first.problems, ...second.problems], []);
});
