import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { CLI, startServerProcess, tempDir, type ServerProcess } from "./harness.js";

const run = promisify(execFile);
let server: ServerProcess;
before(async () => {
  server = await startServerProcess();
});
after(async () => {
  await server.stop();
});

/** Runs the real `parley` command with a profile; resolves with stdout, stderr and the exit code. */
async function parley(profile: string, args: string[], password?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, "--server", server.url, "--profile", profile, ...args], {
      env: { ...process.env, PARLEY_PASSWORD: password ?? "" },
      timeout: 60_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

test("two CLI profiles chat through parley serve, parley send and parley read --json", async () => {
  const alice = tempDir("cli-alice");
  const bob = tempDir("cli-bob");
  assert.equal((await parley(alice, ["register", "alice"], "alice password 1")).code, 0);
  assert.equal((await parley(bob, ["register", "bob"], "bob password 22")).code, 0);
  const who = await parley(alice, ["whoami"]);
  assert.match(who.stdout, /^alice on ws:\/\//);

  for (const text of ["hello bob", "second line", "ünïcödé ✓ 你好"]) {
    const sent = await parley(alice, ["send", "bob", text]);
    assert.equal(sent.code, 0, sent.stderr);
  }
  const read = await parley(bob, ["read", "--json"]);
  assert.equal(read.code, 0, read.stderr);
  const lines = read.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.map((l) => l.text), ["hello bob", "second line", "ünïcödé ✓ 你好"]);
  for (const l of lines) {
    assert.equal((l.sender as { username: string }).username, "alice");
    assert.equal(typeof (l.sender as { deviceId: string }).deviceId, "string");
    assert.equal(typeof l.messageId, "string");
    assert.equal(typeof l.conversationId, "string");
    assert.ok(!Number.isNaN(Date.parse(String(l.timestamp))));
  }
  // Read once: a second read prints nothing new.
  const again = await parley(bob, ["read", "--json"]);
  assert.equal(again.stdout.trim(), "");

  // Bob replies; a group of the two works by name.
  assert.equal((await parley(bob, ["send", "alice", "hi alice"])).code, 0);
  const created = await parley(alice, ["group", "create", "pals", "bob"]);
  assert.equal(created.code, 0, created.stderr);
  assert.equal((await parley(alice, ["send", "pals", "group hello"])).code, 0);
  const bobRead = await parley(bob, ["read", "--json"]);
  assert.deepEqual(bobRead.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { text: string }).text), ["group hello"]);
  const aliceRead = await parley(alice, ["read"]);
  assert.match(aliceRead.stdout, /bob: hi alice/);

  const sn1 = await parley(alice, ["safety-number", "bob", "--json"]);
  const sn2 = await parley(bob, ["safety-number", "alice", "--json"]);
  assert.equal((JSON.parse(sn1.stdout) as { digits: string }).digits, (JSON.parse(sn2.stdout) as { digits: string }).digits);
});

test("CLI errors are one clear line with a non-zero exit code", async () => {
  const fresh = tempDir("cli-fresh");
  const notLoggedIn = await parley(fresh, ["send", "bob", "hi"]);
  assert.equal(notLoggedIn.code, 1);
  assert.match(notLoggedIn.stderr, /^parley: not logged in.*\n$/);
  const usage = await parley(fresh, ["send"]);
  assert.equal(usage.code, 2);
  assert.equal(usage.stderr.trim().split("\n").length, 1);
  const unknown = await parley(fresh, ["frobnicate"]);
  assert.equal(unknown.code, 2);
  const wrongPw = await parley(fresh, ["login", "alice"], "definitely wrong");
  assert.equal(wrongPw.code, 1);
  assert.match(wrongPw.stderr, /wrong username or password/);
  const help = await parley(fresh, ["send", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: parley send TARGET TEXT/);
});
