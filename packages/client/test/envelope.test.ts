import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "../src/envelope.js";

const enc = new TextEncoder();

test("every known envelope kind round-trips", () => {
  const samples: Envelope[] = [
    { v: 1, kind: "text", text: "héllo 👋 你好 مرحبا" },
    { v: 1, kind: "edit", target: "m1", text: "fixed" },
    { v: 1, kind: "delete", target: "m1" },
    { v: 1, kind: "reaction", target: "m1", emoji: "👍" },
    { v: 1, kind: "reply", target: "m1", text: "yes" },
    { v: 1, kind: "receipt", targets: ["m1", "m2"], state: "read" },
    { v: 1, kind: "typing", active: true },
  ];
  for (const e of samples) assert.deepEqual(decodeEnvelope(encodeEnvelope(e)), e);
});

test("unknown kinds and versions are kept as unsupported, never dropped", () => {
  const raw = JSON.stringify({ v: 1, kind: "poll", question: "lunch?" });
  assert.deepEqual(decodeEnvelope(enc.encode(raw)), { v: 1, kind: "unsupported", originalKind: "poll", raw });
  const future = JSON.stringify({ v: 2, kind: "text", text: "from the future" });
  assert.equal(decodeEnvelope(enc.encode(future)).kind, "unsupported");
  assert.equal(decodeEnvelope(enc.encode("not json")).kind, "unsupported");
  assert.equal(decodeEnvelope(new Uint8Array([0xff, 0xfe])).kind, "unsupported");
  const wrongTypes = JSON.stringify({ v: 1, kind: "text", text: 42 });
  assert.equal(decodeEnvelope(enc.encode(wrongTypes)).kind, "unsupported");
});

test("decoding arbitrary bytes never throws", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      decodeEnvelope(bytes);
    }),
  );
  fc.assert(
    fc.property(fc.json(), (json) => {
      decodeEnvelope(enc.encode(json));
    }),
  );
});

test("oversized text is refused before encryption", () => {
  assert.throws(() => encodeEnvelope({ v: 1, kind: "text", text: "x".repeat(64 * 1024 + 1) }), RangeError);
});
