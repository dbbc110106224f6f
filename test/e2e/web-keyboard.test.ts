import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { cleanup, eventually, registerClient, texts, startServerProcess, type ServerProcess, type TestClient } from "./harness.js";
import { openBrowser, type WebBrowser } from "./web-browser.js";

let server: ServerProcess;
let bob: TestClient | undefined;
let browser: WebBrowser | undefined;
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await browser?.close();
  await bob?.client.close();
  if (bob) cleanup(bob.profileDir);
  await server.stop();
});

/**
 * Presses Tab until the focused element's accessible label (aria-label, label text, or text)
 * matches, as a keyboard user would; fails if it is not reachable within 40 presses. Also checks
 * the focus is visible (an outline is drawn).
 */
async function tabTo(page: Page, name: RegExp): Promise<void> {
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const focused = (await page.evaluate(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return { label: "", outline: "none" };
      const byFor = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
      const label = el.getAttribute("aria-label") || (byFor && byFor.textContent) || el.textContent || "";
      return { label: label.trim(), outline: getComputedStyle(el).outlineStyle };
    })()`)) as { label: string; outline: string };
    if (name.test(focused.label)) {
      assert.notEqual(focused.outline, "none", `focus on "${focused.label}" is visible`);
      return;
    }
  }
  throw new Error(`could not reach ${name} with the Tab key`);
}

test("keyboard only: register, start a chat, send with Enter, open the safety number, switch conversations", async () => {
  browser = await openBrowser();
  const page = browser.page;
  await page.goto(server.url);
  await page.getByRole("heading", { name: "Log in to Parley" }).waitFor();

  await tabTo(page, /^Register$/);
  await page.keyboard.press("Enter");
  await tabTo(page, /^Username$/);
  await page.keyboard.type("alice");
  await tabTo(page, /^Password$/);
  await page.keyboard.type("alice's keyboard password");
  await tabTo(page, /^Password again$/);
  await page.keyboard.type("alice's keyboard password");
  await page.keyboard.press("Enter");
  await page.locator(".topbar .me", { hasText: "@alice" }).waitFor({ timeout: 60_000 });

  bob = await registerClient(server.url, "bob");
  await tabTo(page, /^Start a chat with/);
  await page.keyboard.type("bob");
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "bob", level: 1 }).waitFor();
  await tabTo(page, /^Message to bob$/);
  await page.keyboard.type("typed without a mouse");
  await page.keyboard.press("Enter");
  await eventually(() => texts(bob!).includes("typed without a mouse"), "bob to receive");

  await tabTo(page, /^Safety number$/);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: "Safety number with bob" }).waitFor();
  await tabTo(page, /^Mark bob as verified$/);
  await page.keyboard.press("Enter");
  await page.getByText("bob is verified.").waitFor();

  // A second conversation arrives; the list is reachable and Enter opens it.
  const carol = await registerClient(server.url, "carol");
  try {
    const id = await carol.client.ensureDirect("alice");
    await carol.client.sendText(id, "hello from carol");
    await page.getByRole("button", { name: /^Chat with\s+carol/ }).waitFor();
    await tabTo(page, /Chat with\s*carol/);
    await page.keyboard.press("Enter");
    await page.locator(".message.in .text", { hasText: "hello from carol" }).waitFor();
  } finally {
    await carol.client.close();
    cleanup(carol.profileDir);
  }
  assert.deepEqual(browser.problems, []);
});
