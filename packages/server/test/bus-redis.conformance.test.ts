import assert from "node:assert/strict";
import { test } from "node:test";
import { Redis } from "ioredis";
import { RedisBus, type BusEvent } from "../src/index.js";
import { REDIS_URL, skipWithout, uniqueRedisPrefix } from "../../../test/services.js";
import { busConformance } from "./helpers/busConformance.js";

const skip = await skipWithout("redis");

// Two RedisBus objects, each with its own two connections: two server instances.
busConformance({
  carriesEntries: false,
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

test("Redis: no message contents cross it, and an entry hint arriving from it is dropped", { skip }, async () => {
  const prefix = uniqueRedisPrefix();
  const a = await RedisBus.connect(REDIS_URL, { prefix });
  const b = await RedisBus.connect(REDIS_URL, { prefix });
  const admin = new Redis(REDIS_URL);
  const watcher = new Redis(REDIS_URL);
  try {
    const raw: string[] = [];
    await watcher.subscribe(`${prefix}conversation:c1`);
    watcher.on("message", (_channel: string, message: string) => raw.push(message));
    const events: BusEvent[] = [];
    b.subscribe("conversation:c1", (e) => events.push(e));
    await waitFor(() => events.length === 1, "subscribed");
    const entry = { seq: 7, senderDeviceId: "d1", sentAt: 1, membership: false, json: '{"data":"CIPHERTEXT"}' };
    await a.publish("conversation:c1", { type: "appended", conversationId: "c1", seq: 7, entry });
    // Someone with access to Redis forges a hint for the next seq: it must not reach any cache.
    await admin.publish(`${prefix}conversation:c1`, JSON.stringify({ type: "appended", conversationId: "c1", seq: 8, entry: { ...entry, seq: 8 } }));
    await waitFor(() => events.length === 3 && raw.length === 2, "both events");
    assert.equal(raw[0], JSON.stringify({ type: "appended", conversationId: "c1", seq: 7 }), "what went through Redis");
    assert.deepEqual(events.slice(1), [
      { type: "appended", conversationId: "c1", seq: 7 },
      { type: "appended", conversationId: "c1", seq: 8 },
    ]);
  } finally {
    watcher.disconnect();
    admin.disconnect();
    await Promise.all([a.close(), b.close()]);
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
