import { test } from "node:test";
import assert from "node:assert/strict";
import { composerKey, emptyComposer, type ComposerState } from "../src/index.js";
import type { KeyInfo } from "../src/model/composer.js";

function type(s: ComposerState, ...steps: Array<string | KeyInfo>): { state: ComposerState; submitted: string[] } {
  const submitted: string[] = [];
  for (const step of steps) {
    const r = typeof step === "string" ? composerKey(s, step, {}) : composerKey(s, "", step);
    s = r.state;
    if (r.submit !== undefined) submitted.push(r.submit);
  }
  return { state: s, submitted };
}

test("Enter submits the text and clears the composer; blank input is not sent", () => {
  const r = type(emptyComposer(), "hello", { return: true }, "   ", { return: true });
  assert.deepEqual(r.submitted, ["hello"]);
  assert.equal(r.state.text, "   ");
});

test("Alt-Enter inserts a newline: multi-line messages", () => {
  const r = type(emptyComposer(), "line one", { return: true, meta: true }, "line two", { return: true });
  assert.deepEqual(r.submitted, ["line one\nline two"]);
});

test("Backspace (DEL from most terminals) and cursor keys edit by grapheme, not UTF-16 unit", () => {
  let r = type(emptyComposer(), "a👨‍👩‍👧b", { delete: true }, { delete: true });
  assert.equal(r.state.text, "a");
  r = type(emptyComposer(), "héllo", { leftArrow: true }, { leftArrow: true }, "X", { backspace: true }, { backspace: true });
  // "hé|llo" → "hél|Xlo"… → two Backspaces remove X and the l before it.
  assert.equal(r.state.text, "hélo");
  assert.equal(r.state.cursor, 2);
});

test("Ctrl-A / Ctrl-E / Ctrl-U / Ctrl-W work like a shell line", () => {
  let s = type(emptyComposer(), "one two three").state;
  s = composerKey(s, "w", { ctrl: true }).state;
  assert.equal(s.text, "one two ");
  s = composerKey(s, "a", { ctrl: true }).state;
  s = composerKey(s, ">", {}).state;
  assert.equal(s.text, ">one two ");
  s = composerKey(s, "e", { ctrl: true }).state;
  s = composerKey(s, "u", { ctrl: true }).state;
  assert.equal(s.text, "");
});

test("Up/Down walk the input history and bring the draft back", () => {
  let s = type(emptyComposer(), "first", { return: true }, "second", { return: true }, "draft").state;
  s = composerKey(s, "", { upArrow: true }).state;
  assert.equal(s.text, "second");
  s = composerKey(s, "", { upArrow: true }).state;
  assert.equal(s.text, "first");
  s = composerKey(s, "", { upArrow: true }).state;
  assert.equal(s.text, "first");
  s = composerKey(s, "", { downArrow: true }).state;
  s = composerKey(s, "", { downArrow: true }).state;
  assert.equal(s.text, "draft");
});

test("in a multi-line draft, Up/Down move between lines before touching history", () => {
  let s = type(emptyComposer(), "old", { return: true }, "ab", { return: true, meta: true }, "cd").state;
  s = composerKey(s, "", { upArrow: true }).state;
  assert.equal(s.text, "ab\ncd");
  s = composerKey(s, "X", {}).state;
  assert.equal(s.text, "abX\ncd");
});

test("a paste keeps its line breaks as newlines instead of sending", () => {
  const r = composerKey(emptyComposer(), "a\r\nb\rc", {});
  assert.equal(r.submit, undefined);
  assert.equal(r.state.text, "a\nb\nc");
});
