// The inbox acks what it has processed once per batch of frames that arrived together, and at most
// once per ack interval: one cumulative ack per conversation, the highest seq, and nothing for
// entries it had to park. idle() sends what is waiting at once.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DeliverFrame, LogEntry } from "@parley/protocol";
import { Inbox, type InboxDeps } from "../src/conversations/inbox.js";

const entry = (seq: number): LogEntry => ({
  kind: "application",
  seq,
  epoch: 1,
  sentAt: 0,
  messageId: `m${seq}xxxxxxxxx`,
  sender: { username: "alice", deviceId: "alice-device-xxxxxxxxx" },
  data: "AAAA",
});
const frame = (conversationId: string, ...seqs: number[]): DeliverFrame => ({ type: "deliver", conversationId, entries: seqs.map(entry) });

/**
 * An inbox whose joined conversations have already processed everything up to seq 1000 (so each
 * entry is a redelivery: recorded as processed, nothing decrypted), and which records its acks.
 */
function inbox(joined: string[], ackIntervalMs = 0, now?: () => number) {
  const acks: [string, number][] = [];
  const deps = {
    store: { getGroup: async (id: string) => (joined.includes(id) ? { processedSeq: 1000 } : undefined) },
    groups: { with: async (_id: string, task: (g: unknown) => Promise<void>) => task({}) },
    events: { emit: () => undefined },
    me: { username: "bob", deviceId: "bob-device-xxxxxxxxxxx" },
    request: {
      ackDelivery: async (conversationId: string, seq: number) => {
        acks.push([conversationId, seq]);
      },
      ackWelcome: async () => undefined,
      conversationInfo: async () => undefined,
    },
    ackIntervalMs,
    now,
  } as unknown as InboxDeps;
  return { inbox: new Inbox(deps), acks };
}

/** Lets the inbox process what was pushed: its store and requests here settle in microtasks. */
const processed = () => new Promise((resolve) => setImmediate(resolve));

test("frames that arrive together get one ack per conversation, of the highest seq", async () => {
  const { inbox: box, acks } = inbox(["conv-a", "conv-b"]);
  box.push(frame("conv-a", 2, 3));
  box.push(frame("conv-b", 7));
  box.push(frame("conv-a", 4, 5));
  await box.idle();
  assert.deepEqual(acks, [["conv-a", 5], ["conv-b", 7]]);

  // A later batch is acked on its own, without waiting for idle() (no interval here).
  box.push(frame("conv-b", 8, 9));
  await processed();
  assert.deepEqual(acks.slice(2), [["conv-b", 9]]);
});

test("entries parked for a conversation not joined yet are not acked", async () => {
  const { inbox: box, acks } = inbox(["conv-a"]);
  box.push(frame("conv-new", 2));
  box.push(frame("conv-a", 3));
  await box.idle();
  assert.deepEqual(acks, [["conv-a", 3]]);
});

test("acks go out at most once per interval, the highest seqs when it ends; idle() sends them at once", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  let now = 1_000;
  const { inbox: box, acks } = inbox(["conv-a", "conv-b"], 400, () => now);
  box.push(frame("conv-a", 2));
  await processed();
  assert.deepEqual(acks, [["conv-a", 2]], "the first batch is acked as soon as it is processed");

  now = 1_050;
  box.push(frame("conv-a", 3));
  box.push(frame("conv-b", 7));
  await processed();
  now = 1_100;
  box.push(frame("conv-a", 4));
  await processed();
  t.mock.timers.tick(349);
  await processed();
  assert.deepEqual(acks, [["conv-a", 2]], "within the interval, nothing more");
  now = 1_400;
  t.mock.timers.tick(1);
  await processed();
  assert.deepEqual(acks.slice(1), [["conv-a", 4], ["conv-b", 7]], "when it ends: one ack per conversation, the highest");

  now = 1_450;
  box.push(frame("conv-b", 8));
  await processed();
  assert.equal(acks.length, 3, "the next batch waits for the next interval");
  await box.idle();
  assert.deepEqual(acks.slice(3), [["conv-b", 8]], "idle() does not wait");
  now = 2_000;
  t.mock.timers.tick(1_000);
  await processed();
  assert.equal(acks.length, 4, "and nothing is sent twice");
});

test("under a steady stream the interval's acks go out even while frames are still waiting", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  let now = 0;
  let release!: () => void;
  const { inbox: box, acks } = inbox(["conv-a"], 250, () => now);
  box.push(frame("conv-a", 2));
  await processed();
  now = 10;
  box.push(frame("conv-a", 3));
  await processed();
  // A frame that takes long to process (its conversation's lock is held) keeps the queue busy.
  const gate = new Promise<void>((r) => (release = r));
  (box as unknown as { d: { groups: { with: unknown } } }).d.groups.with = async (_id: string, task: (g: unknown) => Promise<void>) => {
    await gate;
    return task({});
  };
  box.push(frame("conv-a", 4));
  now = 250;
  t.mock.timers.tick(240);
  await processed();
  assert.deepEqual(acks, [["conv-a", 2], ["conv-a", 3]], "3 was acked at the interval although 4 is still in processing");
  release();
  await box.idle();
  assert.deepEqual(acks.at(-1), ["conv-a", 4]);
});
