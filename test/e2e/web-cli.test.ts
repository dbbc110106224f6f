import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CLI, cleanup, startServerProcess, tempDir, type ServerProcess } from "./harness.js";
import { openBrowser, openChat, register, sendMessage, type WebBrowser } from "./web-browser.js";

const run = promisify(execFile);
let server: ServerProcess;
let browser: WebBrowser | undefined;
const profile = tempDir("cli-dave");
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await browser?.close();
  cleanup(profile);
  await server.stop();
});

async function parley(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, "--server", server.url, "--profile", profile, ...args], {
    env: { ...process.env, PARLEY_PASSWORD: "dave's terminal password" },
    timeout: 60_000,
  });
  return stdout;
}

test("a browser user and a parley send / parley read CLI user chat with each other", async () => {
  browser = await openBrowser();
  const page = browser.page;
  await register(page, server.url, "carol", "carol's browser password");
  await parley(["register", "dave"]);

  // The terminal writes first: the 1:1 is created by `parley send`.
  await parley(["send", "carol", "hello from the terminal"]);
  await openChat(page, "dave");
  await page.locator(".message.in .text", { hasText: "hello from the terminal" }).waitFor();

  // The browser answers; `parley read --json` prints it, from carol.
  await sendMessage(page, "hello from the browser ✓");
  let lines: Array<{ text?: string; sender: { username: string } }> = [];
  for (let i = 0; i < 20 && !lines.some((l) => l.text === "hello from the browser ✓"); i++) {
    const out = await parley(["read", "--json"]);
    lines = [...lines, ...out.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { text?: string; sender: { username: string } })];
    if (!lines.some((l) => l.text === "hello from the browser ✓")) await new Promise((r) => setTimeout(r, 250));
  }
  const reply = lines.find((l) => l.text === "hello from the browser ✓");
  assert.ok(reply, `parley read printed ${JSON.stringify(lines)}`);
  assert.equal(reply.sender.username, "carol");

  // The tab goes to the background; with permission, a new message raises a desktop notification
  // that names the sender but not the text.
  await browser.context.grantPermissions(["notifications"], { origin: server.url });
  await page.evaluate(HIDE_TAB_AND_SPY_ON_NOTIFICATIONS);
  await parley(["send", "carol", "second terminal line"]);
  await page.locator(".message.in .text", { hasText: "second terminal line" }).waitFor();
  const notes = await page.evaluate(() => (window as unknown as { __notes: Array<{ title: string; body: string }> }).__notes);
  assert.deepEqual(notes, [{ title: "Parley: dave", body: "New message from dave" }]);
  assert.deepEqual(browser.problems, []);
});

// A string, so tsx leaves it alone: records every Notification the app creates, and makes the
// page report itself hidden (headless tabs are always visible).
const HIDE_TAB_AND_SPY_ON_NOTIFICATIONS = `(() => {
  window.__notes = [];
  const Real = window.Notification;
  class Spy extends Real {
    constructor(title, options) {
      window.__notes.push({ title, body: options && options.body });
      super(title, options);
    }
  }
  window.Notification = Spy;
  Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
})()`;
