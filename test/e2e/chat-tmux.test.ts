/**
 * Two people chat in `parley chat` (real processes in tmux, 80x24) through a real `parley serve`;
 * a third uses `parley send` / `parley read`. Every step is checked on the screen people see.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { cellWidth } from "@parley/tui";
import { CLI, startServerProcess, tempDir, cleanup, type ServerProcess } from "./harness.js";
import { Tmux, widestLine } from "./chat-tmux-driver.js";

const run = promisify(execFile);
const tmux = new Tmux();
let server: ServerProcess;
const profiles = { alice: tempDir("chat-alice"), bob: tempDir("chat-bob"), carol: tempDir("chat-carol") };

async function parley(profile: string, args: string[], password = "carol's password 3") {
  return run(process.execPath, [CLI, "--server", server.url, "--profile", profile, ...args], { env: { ...process.env, PARLEY_PASSWORD: password }, timeout: 60_000 });
}

/** The 12 five-digit groups of the safety number on a /verify screen. */
function safetyDigits(screen: string): string {
  const rows = screen.match(/\d{5} \d{5} \d{5} \d{5}/g) ?? [];
  assert.equal(rows.length, 3, `3 rows of 4 groups of digits expected on:\n${screen}`);
  return rows.join(" ");
}

before(async () => {
  server = await startServerProcess();
  await parley(profiles.carol, ["register", "carol"]);
});

after(async () => {
  tmux.killServer();
  await server?.stop();
  cleanup(...Object.values(profiles));
});

test("first run: alice and bob register inside parley chat", async () => {
  for (const [name, password] of [["alice", "alice password 1"], ["bob", "bob password 22"]] as const) {
    tmux.startChat(name, { server: server.url, profile: profiles[name] });
    await tmux.waitForStart(name, "Repeat password");
    if (name === "alice") tmux.snapshot(name, "01-register");
    tmux.type(name, name, "Enter");
    tmux.type(name, password, "Enter");
    tmux.type(name, password, "Enter");
  }
  for (const name of ["alice", "bob"]) {
    const screen = await tmux.waitFor(name, "● online");
    assert.match(screen, new RegExp(`${name} · device \\S+`));
    assert.match(screen, /none yet: \/dm USER/);
  }
});

test("a 1:1: messages both ways with emoji, CJK and Hebrew; typing and read state show", async () => {
  tmux.type("alice", "/dm bob", "Enter");
  await tmux.waitFor("alice", "1:1 with bob");
  tmux.type("alice", "Hello Bob 👋 你好 שלום", "Enter");
  // Bob's client joins the conversation from the Welcome, opens it (the only one) and reads it.
  let bob = await tmux.waitFor("bob", /alice: Hello Bob 👋 你好 שלום/);
  assert.match(bob, /1 @alice/);
  let alice = await tmux.waitFor("alice", /Hello Bob 👋 你好 שלום ✓✓read/);

  tmux.type("bob", "typing a reply");
  alice = await tmux.waitFor("alice", /bob is typing…/);
  tmux.snapshot("alice", "02-typing");
  tmux.keys("bob", "Enter");
  alice = await tmux.waitFor("alice", /bob: typing a reply/);
  await tmux.waitGone("alice", /bob is typing/);
  bob = await tmux.waitFor("bob", /typing a reply ✓✓read/);
  assert.ok(widestLine(alice, cellWidth) <= 80 && widestLine(bob, cellWidth) <= 80, "no line is wider than the terminal");
  assert.equal(alice.replace(/\n$/, "").split("\n").length, 24, "the screen is exactly the terminal's height");
});

test("a group with carol, who uses parley send and parley read", async () => {
  tmux.type("alice", "/group create friends bob carol", "Enter");
  await tmux.waitFor("alice", "group friends created with bob, carol");
  await parley(profiles.carol, ["send", "friends", "hi from carol (parley send)"]);
  const alice = await tmux.waitFor("alice", /carol: hi from carol \(parley send\)/);
  assert.match(alice, /friends {2}🔒 3 members: alice, bob, carol/);
  // Bob is still looking at alice: the group shows one unread message until he opens it.
  await tmux.waitFor("bob", /1 friends\s+1 │/);
  tmux.snapshot("bob", "03-unread");
  tmux.keys("bob", "M-1");
  await tmux.waitFor("bob", /friends {2}🔒 3 members/);
  await tmux.waitFor("bob", /carol: hi from carol \(parley send\)/);
  await tmux.waitGone("bob", /1 friends\s+1 │/);
  tmux.type("alice", "welcome carol", "Enter");
  await tmux.waitFor("alice", /alice: welcome carol ✓/);
  await tmux.waitFor("bob", /alice: welcome carol/);
  const read = await parley(profiles.carol, ["read"]);
  assert.match(read.stdout, /friends alice: welcome carol/);
  tmux.snapshot("alice", "04-group");
});

test("alice and bob compare safety numbers (digits and QR) and mark each other verified", async () => {
  tmux.keys("alice", "M-2");
  await tmux.waitFor("alice", /@bob {2}🔒 end-to-end encrypted · not verified/);
  tmux.type("alice", "/verify", "Enter");
  const a = await tmux.waitFor("alice", "Safety number with bob");
  tmux.type("bob", "/verify alice", "Enter");
  const b = await tmux.waitFor("bob", "Safety number with alice");
  assert.equal(safetyDigits(a), safetyDigits(b));
  // The QR code is drawn in half blocks beside the digits.
  assert.ok((a.match(/[▀▄█]/g) ?? []).length > 100, "a QR code is drawn");
  assert.match(a, /not verified yet/);
  tmux.snapshot("alice", "05-verify");
  tmux.keys("alice", "v");
  tmux.keys("bob", "v");
  await tmux.waitFor("alice", "✓ bob is verified");
  await tmux.waitFor("bob", "✓ alice is verified");
  tmux.keys("alice", "Escape");
  tmux.keys("bob", "Escape");
  await tmux.waitFor("alice", /@bob {2}🔒 end-to-end encrypted · ✓ verified/);
});

test("resizing: a narrow terminal hides the list and nothing overflows; back to 80x24", async () => {
  tmux.resize("alice", 50, 16);
  const narrow = await tmux.waitGone("alice", /Conversations/);
  assert.ok(widestLine(narrow, cellWidth) <= 50, narrow);
  assert.match(narrow, /● online/);
  tmux.resize("alice", 80, 24);
  await tmux.waitFor("alice", /Conversations/);
});

test("a server restart: both show the outage, reconnect, and a message written meanwhile arrives", async () => {
  const { dataDir, port } = server;
  await server.stop();
  await tmux.waitFor("alice", "○ offline, reconnecting");
  await tmux.waitFor("alice", /server unreachable — reconnecting/);
  tmux.type("alice", "sent during the outage", "Enter");
  await tmux.waitFor("alice", /sent during the outage …sending/);
  tmux.snapshot("alice", "06-offline");
  server = await startServerProcess({ dataDir, port });
  await tmux.waitFor("alice", "● online", 60_000);
  await tmux.waitFor("bob", "● online", 60_000);
  // Bob is in the group; the 1:1 moves to the top of his list with one unread message.
  await tmux.waitFor("bob", /1 @alice\s+1 │/, 60_000);
  // Bob's device has it but it is not on his screen yet: delivered, not read.
  await tmux.waitFor("alice", /sent during the outage ✓✓$/m);
  tmux.keys("bob", "M-1");
  await tmux.waitFor("bob", /alice: sent during the outage/);
  await tmux.waitFor("alice", /sent during the outage ✓✓read/);
  tmux.type("bob", "got it after the restart", "Enter");
  await tmux.waitFor("alice", /bob: got it after the restart/);
});

test("a contact's key changes (the server plays tricks): a full-screen warning, sending blocked until re-verified", async () => {
  // Play the malicious server: replace bob's account key in its database.
  const db = new Database(join(server.dataDir, "parley.db"));
  db.pragma("busy_timeout = 5000");
  db.prepare("UPDATE users SET identity_key = ? WHERE username = 'bob'").run(randomBytes(32).toString("base64"));
  db.close();
  tmux.type("alice", "/dm bob", "Enter");
  const warning = await tmux.waitFor("alice", "bob's account key has changed");
  assert.match(warning, /Sending to bob is blocked until you compare safety numbers/);
  tmux.snapshot("alice", "07-key-change");
  tmux.keys("alice", "Escape");
  await tmux.waitFor("alice", /⚠ key changed: bob/);
  tmux.type("alice", "are you really bob?", "Enter");
  await tmux.waitFor("alice", /not sent: bob's key changed/);
  tmux.type("alice", "/verify bob", "Enter");
  await tmux.waitFor("alice", "⚠ bob's key CHANGED");
  tmux.keys("alice", "v");
  await tmux.waitFor("alice", "✓ bob is verified");
  tmux.keys("alice", "Escape");
  tmux.type("alice", "checked in person, all good", "Enter");
  await tmux.waitFor("bob", /alice: checked in person, all good/);
});

test("Ctrl-C and /quit end parley chat and give the terminal back (main screen, cooked mode, echo)", async () => {
  tmux.keys("alice", "C-c");
  tmux.type("bob", "/quit", "Enter");
  for (const name of ["alice", "bob"]) {
    const screen = await tmux.waitFor(name, /EXITED:0[\s\S]*STTY-END/);
    assert.match(screen, /(^|\s)icanon(\s|$)/m, "canonical mode restored");
    assert.match(screen, /(^|\s)echo(\s|$)/m, "echo restored");
    assert.doesNotMatch(screen, /Conversations/, "the alternate screen is gone");
  }
});

test("failure screens: a wrong password, and a server that cannot be reached", async () => {
  const fresh = tempDir("chat-alice2");
  tmux.startChat("wrong", { server: server.url, profile: fresh });
  await tmux.waitForStart("wrong", "Repeat password");
  tmux.keys("wrong", "C-r");
  await tmux.waitFor("wrong", /› Username/);
  tmux.type("wrong", "alice", "Enter");
  tmux.type("wrong", "not alice's password", "Enter");
  const wrong = await tmux.waitFor("wrong", "Wrong username or password");
  assert.match(wrong, /answers the same way when no such user exists/);
  tmux.snapshot("wrong", "08-wrong-password");
  tmux.keys("wrong", "C-c");
  await tmux.waitFor("wrong", "EXITED:0");

  // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
  tmux.startChat("down", { server: "http://127.0.0.1:9", profile: profiles.bob });
  const down = await tmux.waitFor("down", /Server unreachable/);
  assert.match(down, /Cannot reach ws:\/\/127\.0\.0\.1:9\/ws/);
  await tmux.waitFor("down", /ECONNREFUSED|refused/i);
  tmux.snapshot("down", "09-unreachable");
  tmux.keys("down", "C-c");
  await tmux.waitFor("down", "EXITED:0");
  cleanup(fresh);
});
