import assert from "node:assert/strict";
import { test } from "node:test";
import { TurnBatcher } from "../src/store/postgres/turnBatcher.js";

test("calls made in one turn reach flush together, and each caller gets its own result", async () => {
  const flushed: number[][] = [];
  const b = new TurnBatcher<number, string>(async (items) => {
    flushed.push(items);
    return items.map((i) => `r${i}`);
  });
  const first = await Promise.all([b.add(1), b.add(2), b.add(3)]);
  const second = await b.add(4);
  assert.deepEqual(first, ["r1", "r2", "r3"]);
  assert.equal(second, "r4");
  assert.deepEqual(flushed, [[1, 2, 3], [4]]);
});

test("no caller settles before flush has finished", async () => {
  let finish!: () => void;
  const gate = new Promise<void>((r) => (finish = r));
  const b = new TurnBatcher<number, number>(async (items) => {
    await gate;
    return items;
  });
  let settled = false;
  const p = b.add(7).then((v) => {
    settled = true;
    return v;
  });
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false);
  finish();
  assert.equal(await p, 7);
});

test("more items than maxBatch in one turn are split into several flushes", async () => {
  const sizes: number[] = [];
  const b = new TurnBatcher<number, number>(async (items) => {
    sizes.push(items.length);
    return items.map((i) => i * 2);
  }, 4);
  const out = await Promise.all(Array.from({ length: 10 }, (_, i) => b.add(i)));
  assert.deepEqual(out, Array.from({ length: 10 }, (_, i) => i * 2));
  assert.deepEqual(sizes, [4, 4, 2]);
});

test("a failed flush rejects every caller of that batch, and later batches still run", async () => {
  let fail = true;
  const b = new TurnBatcher<number, number>(async (items) => {
    if (fail) throw new Error("database went away");
    return items;
  });
  const results = await Promise.allSettled([b.add(1), b.add(2)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["rejected", "rejected"],
  );
  fail = false;
  assert.equal(await b.add(3), 3);
});

test("a flush that returns the wrong number of results rejects the batch instead of mixing answers up", async () => {
  const b = new TurnBatcher<number, number>(async (items) => items.slice(1));
  await assert.rejects(Promise.all([b.add(1), b.add(2)]), /1 results for 2 items/);
});

test("a group is never split across flushes, and keeps its order; one larger than maxBatch goes alone", async () => {
  const flushed: number[][] = [];
  const b = new TurnBatcher<number, number>(async (items) => {
    flushed.push([...items]);
    return items.map((i) => i * 10);
  }, 4);
  const singles = [b.add(1), b.add(2), b.add(3)];
  const group = b.addGroup([4, 5, 6]);
  const big = b.addGroup([7, 8, 9, 10, 11, 12]);
  const last = b.add(13);
  const out = await Promise.all([...singles, ...group, ...big, last]);
  assert.deepEqual(out, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130]);
  assert.deepEqual(flushed, [[1, 2, 3], [4, 5, 6], [7, 8, 9, 10, 11, 12], [13]]);
});
