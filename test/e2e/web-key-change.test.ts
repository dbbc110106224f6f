import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { cleanup, eventually, registerClient, texts, startServerProcess, type ServerProcess, type TestClient } from "./harness.js";
import { axeViolations, openBrowser, register, screenshot, sendMessage, type WebBrowser } from "./web-browser.js";

let server: ServerProcess;
const CAROL_PW = "carol's password, typed into a browser later";
let carol: TestClient | undefined;
let bob: TestClient | undefined;
let browser: WebBrowser | undefined;
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await browser?.close();
  for (const c of [bob, carol]) {
    await c?.client.close();
    if (c) cleanup(c.profileDir);
  }
  await server.stop();
});

test("when the server swaps a contact's key, the browser shows a blocking warning until the user accepts it; another account needs the local data removed first", async () => {
  browser = await openBrowser();
  const page = browser.page;
  await register(page, server.url, "alice", "alice's browser password");
  bob = await registerClient(server.url, "bob");
  await page.getByLabel("Start a chat with (username)").fill("bob");
  await page.getByRole("button", { name: "Start", exact: true }).click();
  await page.getByRole("heading", { name: "bob", level: 1 }).waitFor();
  await sendMessage(page, "before the swap");
  await eventually(() => texts(bob!).includes("before the swap"), "bob to receive the first message");

  // Play the malicious server: replace bob's account key in its database.
  const db = new Database(join(server.dataDir, "parley.db"));
  db.pragma("busy_timeout = 5000");
  db.prepare("UPDATE users SET identity_key = ? WHERE username = 'bob'").run(randomBytes(32).toString("base64"));
  db.close();

  // Opening the conversation again looks bob up: the warning blocks the composer.
  await page.getByRole("button", { name: /^Chat with\s+bob/ }).click();
  const warning = page.getByRole("alert").filter({ hasText: "bob's security key changed" });
  await warning.waitFor();
  assert.equal(await page.getByLabel("Message to bob").isDisabled(), true);
  assert.deepEqual(await axeViolations(page), [], "key-change warning");
  await screenshot(page, "key-change-warning");
  await warning.getByRole("button", { name: "Show safety number" }).click();
  await page.getByText("bob's key changed: not verified.").waitFor();

  // After comparing numbers, the user accepts the new key and may send again.
  await warning.getByRole("button", { name: /accept the new key/ }).click();
  await warning.waitFor({ state: "detached" });
  assert.equal(await page.getByLabel("Message to bob").isDisabled(), false);
  assert.deepEqual(texts(bob).filter((t) => t !== "before the swap"), [], "nothing was sent while blocked");

  // One browser profile holds one account: after logout, another user's login is refused until
  // the local data is removed (the store is sealed under alice's key, so it cannot be reused).
  // (Not bob: the swapped key no longer matches his backup, so his own logins now fail, rightly.)
  carol = await registerClient(server.url, "carol", CAROL_PW);
  await page.getByRole("button", { name: "Log out" }).click();
  await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();
  await page.getByLabel("Username", { exact: true }).fill("carol");
  await page.getByLabel("Password", { exact: true }).fill(CAROL_PW);
  await page.getByRole("button", { name: "Log in", exact: true }).last().click();
  await page.getByRole("alert").filter({ hasText: "this browser holds another account's data" }).waitFor();
  await page.getByRole("button", { name: "Remove local data from this browser" }).click();
  await page.getByText("Local data removed from this browser.").waitFor();
  await page.getByRole("button", { name: "Log in", exact: true }).last().click();
  await page.locator(".topbar .me", { hasText: "@carol" }).waitFor();
  assert.equal((await carol.client.devices()).length, 2, "the browser became carol's second device");
  assert.deepEqual(browser.problems, []);
});
