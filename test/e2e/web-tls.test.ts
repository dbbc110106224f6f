import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { startServerProcess, type ServerProcess } from "./harness.js";
import { axeViolations, openBrowser, register, type WebBrowser } from "./web-browser.js";

/**
 * WebCrypto exists only in a secure context. Reached under a real host name (mapped to loopback),
 * the app explains itself over plain HTTP and works over HTTPS with `--tls self-signed`.
 */
let plain: ServerProcess;
let tls: ServerProcess;
const browsers: WebBrowser[] = [];
const MAP = "--host-resolver-rules=MAP parley.test 127.0.0.1";
before(async () => {
  plain = await startServerProcess();
  tls = await startServerProcess({ args: ["--tls", "self-signed"] });
});
after(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await plain.stop();
  await tls.stop();
});

test("over plain HTTP off localhost the app explains that it needs HTTPS instead of failing", async () => {
  const b = await openBrowser({ extraArgs: [MAP] });
  browsers.push(b);
  await b.page.goto(`http://parley.test:${plain.port}/`);
  await b.page.getByRole("heading", { name: "Parley needs a secure connection" }).waitFor();
  assert.equal(await b.page.evaluate(() => window.isSecureContext), false);
  assert.deepEqual(await axeViolations(b.page), []);
  assert.deepEqual(b.problems, []);
});

test("over HTTPS with --tls self-signed the same host name works: register, online over wss", async () => {
  assert.match(tls.url, /^https:\/\//);
  assert.match(tls.output(), /TLS certificate SHA-256 fingerprint: [0-9A-F:]+/i);
  const b = await openBrowser({ extraArgs: [MAP], ignoreHTTPSErrors: true });
  browsers.push(b);
  const base = `https://parley.test:${tls.port}/`;
  await register(b.page, base, "tess", "tess's password over https");
  assert.equal(await b.page.evaluate(() => window.isSecureContext), true);
  await b.page.getByRole("status", { name: "Connection: Online" }).waitFor();
  const hsts = await b.page.evaluate(async () => (await fetch("/")).headers.get("strict-transport-security"));
  assert.match(hsts ?? "", /max-age=\d+/);
  assert.deepEqual(b.problems, []);
});
