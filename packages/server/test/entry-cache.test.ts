// The shared entry cache serves only a gap-free run of fresh entries, and a miss falls back to
// the store: it can make delivery cheaper, never different.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StoredEntry } from "../src/index.js";
import { EntryCache } from "../src/delivery/entryCache.js";

const entry = (seq: number, sentAt: number, sender = "dev-a"): StoredEntry => ({
  entry: { kind: "application", seq, epoch: 1, sentAt, messageId: `m${seq}xxxxxxx`, sender: { username: "a", deviceId: sender }, data: "AAAA" },
  senderDeviceId: sender,
});

test("a contiguous run is served from after any cached seq, within the limit and the upper bound", () => {
  const cache = new EntryCache(() => 1000);
  cache.add("c1", [entry(1, 1000), entry(2, 1000)]);
  cache.add("c1", [entry(3, 1000)]);
  assert.deepEqual(cache.range("c1", 0, 3, 10).map((e) => e.seq), [1, 2, 3]);
  assert.deepEqual(cache.range("c1", 1, 3, 1).map((e) => e.seq), [2]);
  assert.deepEqual(cache.range("c1", 1, 2, 10).map((e) => e.seq), [2]);
  assert.equal(cache.range("c1", 3, 5, 10).length, 0, "nothing past the newest");
  assert.equal(cache.range("c2", 0, 3, 10).length, 0, "other conversations miss");
  assert.deepEqual(JSON.parse(cache.range("c1", 0, 1, 1)[0]!.json), entry(1, 1000).entry);
});

test("a run stops at a gap, and entries that arrive late fill it in", () => {
  const cache = new EntryCache(() => 1000);
  cache.add("c1", [entry(1, 1000), entry(2, 1000)]);
  cache.add("c1", [entry(5, 1000)]);
  assert.deepEqual(cache.range("c1", 0, 5, 10).map((e) => e.seq), [1, 2], "served up to the gap; the rest is read from the store");
  assert.deepEqual(cache.range("c1", 4, 5, 10).map((e) => e.seq), [5]);
  // Another server process's appends 3 and 4 arrive after 5 was made here.
  cache.add("c1", [entry(4, 1000)]);
  cache.add("c1", [entry(3, 1000)]);
  assert.deepEqual(cache.range("c1", 0, 5, 10).map((e) => e.seq), [1, 2, 3, 4, 5]);
});

test("entries far below the newest are neither kept nor served", () => {
  const cache = new EntryCache(() => 1000);
  cache.add("c1", Array.from({ length: 600 }, (_, i) => entry(i + 1, 1000)));
  assert.equal(cache.range("c1", 0, 600, 10).length, 0, "seq 1 was evicted");
  assert.equal(cache.range("c1", 88, 600, 1000).length, 512, "the newest 512 are held");
  cache.add("c1", [entry(3, 1000)]);
  assert.equal(cache.range("c1", 2, 3, 10).length, 0, "a late entry below the window is ignored");
});

test("entries older than a few seconds are not served: the store is read instead", () => {
  let now = 1000;
  const cache = new EntryCache(() => now);
  cache.add("c1", [entry(1, 1000)]);
  now += 60_000;
  assert.equal(cache.range("c1", 0, 1, 10).length, 0);
});
