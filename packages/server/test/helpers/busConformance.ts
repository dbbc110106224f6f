/**
 * The Bus conformance suite: one set of tests that every Bus implementation must pass unchanged
 * (bus-memory.conformance.test.ts, bus-redis.conformance.test.ts). `pair()` gives two buses that
 * stand for two server instances: for the in-process bus, necessarily the same one twice.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Bus, BusEvent } from "../../src/index.js";

export interface BusHarness {
  name: string;
  /** Two connected buses (two instances); dispose closes them. */
  pair(): Promise<{ a: Bus; b: Bus; dispose(): Promise<void> }>;
  skip?: string | false;
  /** Whether an appended event's serialized entry travels with it (not over Redis: no contents there). */
  carriesEntries: boolean;
}

/** Subscribes and records every event; resolves once the subscription says it is live. */
async function listen(bus: Bus, topic: string) {
  const events: BusEvent[] = [];
  let live!: () => void;
  const subscribed = new Promise<void>((r) => (live = r));
  const unsubscribe = bus.subscribe(topic, (e) => {
    events.push(e);
    if (e.type === "subscribed") live();
  });
  await withTimeout(subscribed, 3_000, `subscription to ${topic} never became live`);
  return { events, unsubscribe, received: () => events.filter((e) => e.type !== "subscribed") };
}

async function until(predicate: () => boolean, what: string, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Lets anything in flight arrive, for tests that check something did NOT arrive. */
const settle = () => new Promise((r) => setTimeout(r, 150));

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

const appended = (seq: number): BusEvent => ({ type: "appended", conversationId: "c1", seq });

export function busConformance(h: BusHarness): void {
  describe(`Bus conformance: ${h.name}`, { skip: h.skip ?? false }, () => {
    const it = (name: string, fn: (a: Bus, b: Bus) => Promise<void>) =>
      test(name, async () => {
        const p = await h.pair();
        try {
          await fn(p.a, p.b);
        } finally {
          await p.dispose();
        }
      });

    it("a listener is told once its subscription is live, with its topic", async (a) => {
      const l = await listen(a, "conversation:c1");
      assert.deepEqual(l.events, [{ type: "subscribed", topic: "conversation:c1" }]);
      l.unsubscribe();
    });

    it("an event published on one instance reaches the other's listener once, in publish order", async (a, b) => {
      const l = await listen(b, "conversation:c1");
      for (let seq = 1; seq <= 20; seq++) await a.publish("conversation:c1", appended(seq));
      await until(() => l.received().length === 20, "20 events");
      await settle();
      assert.deepEqual(l.received(), Array.from({ length: 20 }, (_, i) => appended(i + 1)));
    });

    it("every event of every kind arrives as it was published", async (a, b) => {
      const l = await listen(b, "device:d1");
      const sent: BusEvent[] = [
        { type: "membership", deviceId: "d1" },
        { type: "revoked", deviceId: "d1" },
        { type: "sessionEnded", session: "ab".repeat(32) },
        { type: "appended", conversationId: "x", seq: 2 ** 40 },
      ];
      for (const e of sent) await a.publish("device:d1", e);
      await until(() => l.received().length === sent.length, "all kinds");
      assert.deepEqual(l.received(), sent);
    });

    it("an appended event carries the serialized entry to the other instance's caches, where the bus may carry contents", async (a, b) => {
      const l = await listen(b, "conversation:c1");
      const entry = { seq: 7, senderDeviceId: "d1", sentAt: 1_000, membership: false, json: '{"kind":"application","seq":7}' };
      await a.publish("conversation:c1", { type: "appended", conversationId: "c1", seq: 7, entry });
      await until(() => l.received().length === 1, "the event");
      const bare = { type: "appended", conversationId: "c1", seq: 7 };
      assert.deepEqual(l.received(), [h.carriesEntries ? { ...bare, entry } : bare]);
      l.unsubscribe();
    });

    it("listeners hear only their own topic", async (a, b) => {
      const one = await listen(b, "conversation:one");
      const two = await listen(b, "conversation:two");
      await a.publish("conversation:one", appended(1));
      await until(() => one.received().length === 1, "topic one");
      await settle();
      assert.deepEqual(two.received(), []);
    });

    it("every listener of a topic hears each event, on both instances; one that throws harms no other", async (a, b) => {
      a.subscribe("conversation:c1", (e) => {
        if (e.type === "appended") throw new Error("listener bug");
      });
      const onA = await listen(a, "conversation:c1");
      const onB1 = await listen(b, "conversation:c1");
      const onB2 = await listen(b, "conversation:c1");
      await b.publish("conversation:c1", appended(7));
      await until(() => [onA, onB1, onB2].every((l) => l.received().length === 1), "three listeners");
      await settle();
      for (const l of [onA, onB1, onB2]) assert.deepEqual(l.received(), [appended(7)]);
    });

    it("after unsubscribing, a listener hears nothing; the topic's other listeners still do", async (a, b) => {
      const gone = await listen(b, "conversation:c1");
      const stays = await listen(b, "conversation:c1");
      gone.unsubscribe();
      await a.publish("conversation:c1", appended(1));
      await until(() => stays.received().length === 1, "remaining listener");
      stays.unsubscribe();
      await settle();
      await a.publish("conversation:c1", appended(2));
      await settle();
      assert.deepEqual(gone.received(), []);
      assert.deepEqual(stays.received(), [appended(1)]);
      // Subscribing again to a topic just left works.
      const again = await listen(b, "conversation:c1");
      await a.publish("conversation:c1", appended(3));
      await until(() => again.received().length === 1, "resubscribed listener");
    });

    it("a closed bus delivers nothing more and publishing on it is harmless", async (a, b) => {
      const l = await listen(b, "conversation:c1");
      await b.close();
      await a.publish("conversation:c1", appended(1));
      await b.publish("conversation:c1", appended(2));
      await settle();
      assert.deepEqual(l.received(), []);
    });

    it("many topics at once: each listener gets exactly its own events", async (a, b) => {
      const ls = await Promise.all(Array.from({ length: 50 }, (_, i) => listen(b, `conversation:t${i}`)));
      await Promise.all(ls.map((_, i) => a.publish(`conversation:t${i}`, { type: "appended", conversationId: `t${i}`, seq: i })));
      await until(() => ls.every((l) => l.received().length === 1), "50 topics");
      ls.forEach((l, i) => assert.deepEqual(l.received(), [{ type: "appended", conversationId: `t${i}`, seq: i }]));
    });
  });
}
