import { test } from "node:test";
import assert from "node:assert/strict";
import { complete, parseInput } from "../src/index.js";
import { hint } from "../src/model/commands.js";

test("slash commands parse; // escapes a message that starts with a slash", () => {
  assert.deepEqual(parseInput("/dm bob"), { kind: "command", name: "dm", args: ["bob"] });
  assert.deepEqual(parseInput("/group create team bob  carol"), { kind: "command", name: "group", args: ["create", "team", "bob", "carol"] });
  assert.deepEqual(parseInput("/nope"), { kind: "unknown", name: "nope" });
  assert.deepEqual(parseInput("//etc/hosts is a file"), { kind: "text", text: "/etc/hosts is a file" });
  assert.deepEqual(parseInput("hi"), { kind: "text", text: "hi" });
});

test("Tab completes command names, subcommands and usernames where a command takes one", () => {
  assert.equal(complete("/ve", [])?.text, "/verify ");
  assert.deepEqual(complete("/d", [])?.candidates, ["devices", "dm"]);
  assert.equal(complete("/d", [])?.text, "/d");
  assert.equal(complete("/dm b", ["bob", "carol"])?.text, "/dm bob ");
  assert.equal(complete("/group c", [])?.text, "/group create ");
  assert.equal(complete("/group create team c", ["bob", "carol"])?.text, "/group create team carol ");
  // The group's name is not a username.
  assert.deepEqual(complete("/group create b", ["bob"])?.candidates, []);
  assert.equal(complete("/typing o", [])?.text, "/typing o");
  assert.equal(complete("hello", []), null);
});

test("the hint line lists matching commands, then the chosen one's usage", () => {
  assert.equal(hint("/re"), "/remove  /receipts");
  assert.match(hint("/verify ") ?? "", /safety number/);
  assert.match(hint("/zzz") ?? "", /no command/);
  assert.equal(hint("plain text"), null);
});
