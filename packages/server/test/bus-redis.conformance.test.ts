import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import { RedisBus, type BusEvent } from "../src/index.js";
import { REDIS_URL, skipWithout, uniqueRedisPrefix } from "../../../test/services.js";
import { busConformance } from "./helpers/busConformance.js";

const skip = await skipWithout("redis");

// Two RedisBus objects, each with its own two connections: two server instances.
busConformance({
  name: "Redis",
  skip,
  pair: async () => {
    const prefix = uniqueRedisPrefix();
    const a = await RedisBus.connect(REDIS_URL, { prefix });
    const b = await RedisBus.connect(REDIS_URL, { prefix });
    return { a, b, dispose: async () => void (await Promise.all([a.close(), b.close()])) };
  },
});

test("Redis: after its link is cut, the bus subscribes again and tells listeners to re-read", { skip }, async () => {
  const prefix = uniqueRedisPrefix();
  const a = await RedisBus.connect(REDIS_URL, { prefix });
  const b = await RedisBus.connect(REDIS_URL, { prefix });
  const admin = new Redis(REDIS_URL);
  try {
    const events: BusEvent[] = [];
    b.subscribe("conversation:c1", (e) => events.push(e));
    await waitFor(() => events.length === 1, "first subscribed");
    // Cut this run's subscriber links only (other tests may share this Redis).
    const list = (await admin.client("LIST")) as string;
    const ids = list
      .split("\n")
      .filter((line) => line.includes(` name=parley-bus-${prefix}sub `))
      .map((line) => /\bid=(\d+)/.exec(line)![1]!);
    assert.equal(ids.length, 2);
    for (const id of ids) await admin.client("KILL", "ID", id);
    await waitFor(() => events.filter((e) => e.type === "subscribed").length === 2, "subscribed again after the cut");
    await a.publish("conversation:c1", { type: "appended", conversationId: "c1", seq: 9 });
    await waitFor(() => events.some((e) => e.type === "appended"), "an event after reconnecting");
    assert.equal(await b.ping(), true);
  } finally {
    admin.disconnect();
    await Promise.all([a.close(), b.close()]);
  }
});

test("Redis: an appended event whose entry hint is malformed arrives without the hint", { skip }, async () => {
  const prefix = uniqueRedisPrefix();
  const b = await RedisBus.connect(REDIS_URL, { prefix });
  const admin = new Redis(REDIS_URL);
  try {
    const events: BusEvent[] = [];
    b.subscribe("conversation:c1", (e) => events.push(e));
    await waitFor(() => events.length === 1, "subscribed");
    const bad = [{ seq: "7", json: 1 }, { seq: 8, senderDeviceId: null, sentAt: 1, membership: false, json: "{}" }];
    await admin.publish(`${prefix}conversation:c1`, JSON.stringify({ type: "appended", conversationId: "c1", seq: 7, entry: bad[0] }));
    // Well-formed, but for another seq than the event's: not this event's entry either.
    await admin.publish(`${prefix}conversation:c1`, JSON.stringify({ type: "appended", conversationId: "c1", seq: 9, entry: bad[1] }));
    await waitFor(() => events.length === 3, "both events");
    assert.deepEqual(events.slice(1), [
      { type: "appended", conversationId: "c1", seq: 7 },
      { type: "appended", conversationId: "c1", seq: 9 },
    ]);
  } finally {
    admin.disconnect();
    await b.close();
  }
});

test("Redis: connecting to nothing fails fast with a clear error", async () => {
  await assert.rejects(RedisBus.connect("redis://127.0.0.1:1", { connectTimeoutMs: 500 }));
  await assert.rejects(RedisBus.connect("http://x"), TypeError);
});

async function waitFor(p: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!p()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
