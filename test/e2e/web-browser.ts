/**
 * Browser side of the web app's end-to-end tests: Debian's chromium (/usr/bin/chromium) driven by
 * playwright-core, never a downloaded browser. Each "browser" is its own chromium process with a
 * fresh --user-data-dir, so it is a new device with nothing shared.
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { cleanup, tempDir } from "./harness.js";

export const CHROMIUM = "/usr/bin/chromium";
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface WebBrowser {
  context: BrowserContext;
  page: Page;
  /** The browser's profile directory on disk (what a thief would copy). */
  profileDir: string;
  /** Content-Security-Policy violations and page errors seen so far (the app must cause none). */
  problems: string[];
  close(): Promise<void>;
}

export interface BrowserOptions {
  width?: number;
  height?: number;
  colorScheme?: "light" | "dark";
  /** More chromium flags (e.g. --host-resolver-rules to reach loopback under another name). */
  extraArgs?: string[];
  /** Accept a self-signed certificate (what a user does after checking its fingerprint). */
  ignoreHTTPSErrors?: boolean;
}

export async function openBrowser(opts: BrowserOptions = {}): Promise<WebBrowser> {
  const profileDir = tempDir("chromium");
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...ARGS, ...(opts.extraArgs ?? [])],
    ignoreHTTPSErrors: opts.ignoreHTTPSErrors ?? false,
    viewport: { width: opts.width ?? 1100, height: opts.height ?? 720 },
    colorScheme: opts.colorScheme ?? "light",
    timeout: 60_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  return {
    context,
    page,
    profileDir,
    problems,
    close: async () => {
      await context.close();
      cleanup(profileDir);
    },
  };
}

export async function register(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByRole("button", { name: "Register", exact: true }).click();
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByLabel("Password again").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  // The header shows who is logged in at every width (at phone width the welcome pane is hidden).
  await page.locator(".topbar .me", { hasText: `@${username}` }).waitFor({ timeout: 60_000 });
}

export async function login(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(baseUrl);
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).last().click();
  // The header shows who is logged in at every width (at phone width the welcome pane is hidden).
  await page.locator(".topbar .me", { hasText: `@${username}` }).waitFor({ timeout: 60_000 });
}

/** Opens the 1:1 with `peer` from the conversation list (waiting for it to appear). */
export async function openChat(page: Page, peer: string): Promise<void> {
  await page.getByRole("button", { name: new RegExp(`^Chat with ${peer}\\b`) }).click();
  await page.getByRole("heading", { name: peer, level: 1 }).waitFor();
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  const box = page.getByLabel(/^Message to /);
  await box.fill(text);
  await box.press("Enter");
  await page.locator(".message.out .text", { hasText: text }).first().waitFor();
}

/** The messages shown in the open conversation, as "sender: text". */
export async function shownMessages(page: Page): Promise<string[]> {
  return page.locator(".timeline .message").evaluateAll((els) =>
    els.map((el) => `${el.querySelector(".sender")?.textContent ?? ""}: ${el.querySelector(".text")?.textContent ?? ""}`),
  );
}

/**
 * Everything in this origin's IndexedDB, as text: every database, store, key and value (bytes as
 * Latin-1, so any UTF-8 plaintext inside would show up verbatim).
 */
export async function dumpIndexedDb(page: Page): Promise<{ text: string; records: number }> {
  // A string, not a function: tsx would wrap inner functions in a helper the page does not have.
  return page.evaluate(DUMP_SCRIPT) as Promise<{ text: string; records: number }>;
}

const DUMP_SCRIPT = `(async () => {
  function asText(v) {
    if (v instanceof Uint8Array) return Array.from(v, (b) => String.fromCharCode(b)).join("");
    if (v instanceof ArrayBuffer) return asText(new Uint8Array(v));
    return typeof v === "string" ? v : JSON.stringify(v);
  }
  function done(r) {
    return new Promise((res, rej) => { r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
  }
  let text = "";
  let records = 0;
  for (const info of await indexedDB.databases()) {
    const db = await done(indexedDB.open(info.name));
    text += "db:" + db.name + "\\n";
    for (const storeName of Array.from(db.objectStoreNames)) {
      const store = db.transaction(storeName).objectStore(storeName);
      const [keys, values] = await Promise.all([done(store.getAllKeys()), done(store.getAll())]);
      keys.forEach((k, i) => {
        records++;
        text += storeName + "/" + asText(k) + "=" + asText(values[i]) + "\\n";
      });
    }
    db.close();
  }
  return { text, records };
})()`;

/** Every file under `dir` of the browser profile (all of it by default), concatenated: what a copy holds. */
export function profileFilesOnDisk(profileDir: string, dir = ""): Buffer {
  const out: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue; // the running browser removed it meanwhile
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.push(readFileSync(p));
    }
  };
  walk(join(profileDir, dir));
  return Buffer.concat(out);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core (WCAG 2 A/AA rules) on the page and returns serious and critical violations.
 * axe is evaluated through the DevTools protocol, so the page's strict CSP stays on.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (ctx: Document, o: object) => Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) }));
  });
  return result.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(", ")}`);
}

/** Screenshots go to docs/screenshots only when PARLEY_SCREENSHOTS=1 (they are committed by hand, after a look). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.PARLEY_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: join(import.meta.dirname, "../../docs/screenshots", `${name}.png`) });
}
