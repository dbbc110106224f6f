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

test("a gap restarts the run, and an older range is returned but not kept", () => {
  const cache = new EntryCache(() => 1000);
  cache.add("c1", [entry(1, 1000), entry(2, 1000)]);
  cache.add("c1", [entry(5, 1000)]);
  assert.equal(cache.range("c1", 0, 5, 10).length, 0, "seq 1 is no longer held");
  assert.deepEqual(cache.range("c1", 4, 5, 10).map((e) => e.seq), [5]);
  const older = cache.add("c1", [entry(3, 1000), entry(4, 1000)]);
  assert.deepEqual(older.map((e) => e.seq), [3, 4]);
  assert.equal(cache.range("c1", 2, 5, 10).length, 0);
});

test("entries older than a few seconds are not served: the store is read instead", () => {
  let now = 1000;
  const cache = new EntryCache(() => now);
  cache.add("c1", [entry(1, 1000)]);
  now += 60_000;
  assert.equal(cache.range("c1", 0, 1, 10).length, 0);
});
