import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, startServerProcess, type ServerProcess } from "./harness.js";

let server: ServerProcess;
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await server.stop();
});

const assets = readdirSync(join(ROOT, "packages/web/dist/assets"));
const mainScript = assets.find((f) => /^index-.*\.js$/.test(f))!;

test("parley serve serves the web app: index.html no-cache with a strict CSP, hashed assets immutable", async () => {
  assert.match(server.output(), /web app: http:\/\/127\.0\.0\.1:\d+\//);
  const index = await fetch(`${server.url}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(index.headers.get("cache-control"), "no-cache");
  const csp = index.headers.get("content-security-policy") ?? "";
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|'unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const html = await index.text();
  assert.ok(html.includes(`/assets/${mainScript}`));
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, "no inline script in index.html");

  const js = await fetch(`${server.url}/assets/${mainScript}`);
  assert.equal(js.status, 200);
  assert.equal(js.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(js.headers.get("x-content-type-options"), "nosniff");

  // Revalidation of index.html is cheap: a matching ETag gets 304 and no body.
  const again = await fetch(`${server.url}/`, { headers: { "if-none-match": index.headers.get("etag")! } });
  assert.equal(again.status, 304);
  assert.equal((await again.text()).length, 0);

  // gzip when asked for (fetch asks and decodes), identity otherwise.
  const raw = await fetch(`${server.url}/assets/${mainScript}`, { headers: { "accept-encoding": "identity" } });
  assert.equal(raw.headers.get("content-encoding"), null);
  assert.equal(js.headers.get("content-encoding"), "gzip");

  // Only files of the build: no traversal, no other methods; /healthz and /ws keep working.
  for (const path of ["/../package.json", "/%2e%2e/package.json", "/assets/../../package.json", "/nope.js", "/src/main.tsx"]) {
    assert.equal((await fetch(`${server.url}${path}`)).status, 404, path);
  }
  assert.equal((await fetch(`${server.url}/`, { method: "POST" })).status, 404);
  const head = await fetch(`${server.url}/`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal((await head.text()).length, 0);
  assert.deepEqual(await (await fetch(`${server.url}/healthz`)).json(), { status: "ok" });
});
