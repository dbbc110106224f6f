import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CLI, startServerProcess, tempDir, type ServerProcess } from "./harness.js";

const run = promisify(execFile);
let server: ServerProcess;
let dataDir: string;
before(async () => {
  dataDir = tempDir("tls");
  server = await startServerProcess({ dataDir, args: ["--tls", "self-signed"] });
});
after(async () => {
  await server.stop();
});

async function parley(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await run(process.execPath, [CLI, "--server", server.url, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
    return { ...r, code: 0 };
  } catch (e) {
    return e as { stdout: string; stderr: string; code: number };
  }
}

test("--tls self-signed: https URL, printed fingerprint; clients that pin it chat, others are refused", async () => {
  assert.match(server.url, /^https:\/\//);
  const fp = /fingerprint: ([0-9A-F:]{95})/.exec(server.output())?.[1];
  assert.ok(fp, `fingerprint printed: ${server.output()}`);

  const health = await run("node", ["-e", `require("https").get(${JSON.stringify(server.url + "/healthz")}, { rejectUnauthorized: false }, (r) => { let b = ""; r.on("data", (d) => b += d); r.on("end", () => console.log(r.statusCode, b)); })`]);
  assert.match(health.stdout, /^200 .*"status":"ok"/);

  const alice = tempDir("tls-alice");
  const bob = tempDir("tls-bob");
  const ok = await parley(["--profile", alice, "--tls-fingerprint", fp, "register", "alice"], { PARLEY_PASSWORD: "alice tls password" });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((await parley(["--profile", bob, "--tls-fingerprint", fp, "register", "bob"], { PARLEY_PASSWORD: "bob tls password" })).code, 0);
  assert.equal((await parley(["--profile", alice, "--tls-fingerprint", fp, "send", "bob", "over TLS"])).code, 0);
  const read = await parley(["--profile", bob, "--tls-fingerprint", fp, "read", "--json"]);
  assert.equal((JSON.parse(read.stdout.trim()) as { text: string }).text, "over TLS");

  // A wrong pin, or none (the certificate is self-signed), never gets as far as the password.
  // Its first byte changed, whatever it was (a fixed "00" equalled the real pin one time in 256).
  const wrongPin = (fp.startsWith("00") ? "FF" : "00") + fp.slice(2);
  const wrong = await parley(["--profile", tempDir("tls-mallory"), "--tls-fingerprint", wrongPin, "register", "mallory"], { PARLEY_PASSWORD: "mallory password" });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /fingerprint/);
  const unpinned = await parley(["--profile", tempDir("tls-eve"), "register", "eve"], { PARLEY_PASSWORD: "eve password 123" });
  assert.equal(unpinned.code, 1);
  assert.match(unpinned.stderr, /certificate/i);

  // The certificate is made once and kept: a restart on the same data dir serves the same one.
  await server.stop();
  server = await startServerProcess({ dataDir, args: ["--tls", "self-signed"] });
  assert.ok(server.output().includes(fp));
});
