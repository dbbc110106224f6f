import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import stringWidth from "string-width";
import { cellWidth, fit, sanitize, truncate, wrap } from "../src/index.js";
import { hasRtl } from "../src/text/width.js";

test("wide characters count two cells, combining marks none", () => {
  assert.equal(cellWidth("abc"), 3);
  assert.equal(cellWidth("你好"), 4);
  assert.equal(cellWidth("👋"), 2);
  assert.equal(cellWidth("e\u0301"), 1);
  assert.equal(cellWidth("שלום"), 4);
});

test("the fast cell count agrees with string-width on any mix of scripts and emoji (property)", () => {
  const alphabet = ["a", " ", "~", "你", "ｶ", "👋", "👋🏽", "🇫🇷", "👨‍👩‍👧", "❤️", "1️⃣", "ש", "ب", "\u064E", "e\u0301", "é", "…", "│", "·"];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), (chars) => {
      const text = chars.join("");
      assert.equal(cellWidth(text), stringWidth(text), JSON.stringify(text));
    }),
  );
});

test("truncate and fit never exceed the width and never split a grapheme", () => {
  assert.equal(truncate("你好世界", 5), "你好…");
  assert.equal(cellWidth(fit("👨‍👩‍👧 family", 6)), 6);
  assert.equal(fit("ab", 4), "ab  ");
  assert.equal(truncate("🇫🇷🇩🇪🇮🇹", 4), "🇫🇷…");
});

test("wrap keeps every line within the width, for any text (property)", () => {
  const alphabet = ["a", "b", " ", "你", "好", "👋", "🇫🇷", "ש", "ל", "e\u0301", "\n", "-"];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 80 }), fc.integer({ min: 2, max: 30 }), (chars, width) => {
      const text = chars.join("");
      const lines = wrap(text, width);
      assert.ok(lines.length >= 1);
      for (const l of lines) assert.ok(cellWidth(l) <= width, `${JSON.stringify(l)} is ${cellWidth(l)} cells > ${width}`);
      // Nothing but spaces at the breaks is lost.
      assert.equal(lines.join("").replace(/[ \n]/g, ""), text.replace(/[ \n]/g, ""));
    }),
  );
});

test("wrap breaks at spaces when it can, and inside CJK runs when it must", () => {
  assert.deepEqual(wrap("hello big world", 9), ["hello big", "world"]);
  assert.deepEqual(wrap("你好你好你好", 5), ["你好", "你好", "你好"]);
  assert.deepEqual(wrap("a\nb", 10), ["a", "b"]);
});

test("sanitize removes escape sequences and bidi overrides a sender could abuse", () => {
  assert.equal(sanitize("hi\x1b[2Jthere"), "hi[2Jthere");
  assert.equal(sanitize("abc\u202Edef"), "abcdef");
  assert.equal(sanitize("a\u2066b\u2069c"), "abc");
  assert.equal(sanitize("tab\there"), "tab  here");
  assert.ok(hasRtl("שלום"));
  assert.ok(!hasRtl("hello"));
});
