import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cleanup, eventually, registerClient, texts, startServerProcess, tempDir, type ServerProcess, type TestClient } from "./harness.js";
import { openBrowser, openChat, register, sendMessage, shownMessages, type WebBrowser } from "./web-browser.js";

let server: ServerProcess | undefined;
let bob: TestClient | undefined;
let browser: WebBrowser | undefined;
const dataDir = tempDir("web-reconnect");
after(async () => {
  await browser?.close();
  await bob?.client.close();
  if (bob) cleanup(bob.profileDir);
  await server?.stop();
  cleanup(dataDir);
});

test("the browser shows the connection state, reconnects after a server restart and gets what it missed", async () => {
  server = await startServerProcess({ dataDir });
  const port = server.port;
  browser = await openBrowser();
  const page = browser.page;
  await register(page, server.url, "alice", "alice's browser password");
  bob = await registerClient(server.url, "bob");
  const conversationId = await bob.client.ensureDirect("alice");
  await bob.client.sendText(conversationId, "before the restart");
  await openChat(page, "bob");
  await page.locator(".message.in .text", { hasText: "before the restart" }).waitFor();
  await page.getByRole("status", { name: "Connection: Online" }).waitFor();

  // The server goes away: the header says so.
  await server.stop();
  await page.getByRole("status", { name: /^Connection: (Offline — reconnecting|Connecting…)$/ }).waitFor();

  // It comes back on the same port and data; the app reconnects by itself and resumes.
  server = await startServerProcess({ dataDir, port });
  await page.getByRole("status", { name: "Connection: Online" }).waitFor({ timeout: 30_000 });
  await eventually(() => bob!.client.online, "bob to reconnect", 30_000);
  await bob.client.sendText(conversationId, "after the restart");
  await page.locator(".message.in .text", { hasText: "after the restart" }).waitFor();
  await sendMessage(page, "back online");
  await eventually(() => texts(bob!).includes("back online"), "bob to receive after the restart");
  assert.deepEqual(browser.problems, []);
});

test("a long history opens at its newest page; older pages load on demand", async () => {
  const conversationId = await bob!.client.ensureDirect("alice");
  for (let i = 1; i <= 60; i++) await bob!.client.sendText(conversationId, `numbered ${i}`);
  const page = browser!.page;
  await page.locator(".message.in .text", { hasText: "numbered 60" }).waitFor();
  await page.reload();
  await openChat(page, "bob");
  await page.locator(".message.in .text", { hasText: "numbered 60" }).waitFor();
  // 63 messages are stored (3 from the first test, 60 now); the newest 50 are shown.
  assert.equal(await page.locator(".timeline .message").count(), 50);
  assert.equal(await page.locator(".message .text", { hasText: /^numbered 11$/ }).count(), 1);
  assert.equal(await page.locator(".message .text", { hasText: /^numbered 10$/ }).count(), 0);
  await page.getByRole("button", { name: "Show older messages" }).click();
  await page.locator(".message .text", { hasText: "before the restart" }).waitFor();
  assert.equal(await page.locator(".timeline .message").count(), 63);
  await page.getByRole("button", { name: "Show older messages" }).waitFor({ state: "detached" });
  const shown = await shownMessages(page);
  assert.deepEqual(shown.slice(0, 3), ["bob: before the restart", "bob: after the restart", "You: back online"]);
  assert.deepEqual(shown.slice(3), Array.from({ length: 60 }, (_, i) => `bob: numbered ${i + 1}`));
});
