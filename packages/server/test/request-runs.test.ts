// Requests a client pipelines (sends and acks it does not wait on) run together in the gateway:
// the sends reach the store in one call, in the order they were sent, and share a group commit;
// every request is still answered on its own, and one refused send does not touch the others.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ErrorCode, newConversationId, newMessageId, type DeliverFrame, type ErrorReply, type LogEntry, type PushFrame, type Reply } from "@parley/protocol";
import { SqliteStore, type ApplicationInput, type Store } from "../src/index.js";
import { newDevice, type TestDevice } from "./helpers/accounts.js";
import type { TestClient } from "./helpers/client.js";
import { commitBody, sendBody } from "./helpers/frames.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/** The size of every appendApplications call the gateway made. */
const appendCalls: number[] = [];
let server: TestServer;
let store: SqliteStore;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "parley-runs-"));
  store = new SqliteStore(join(dir, "parley.sqlite"));
  const spy = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "appendApplications") {
        return (inputs: readonly ApplicationInput[]) => {
          appendCalls.push(inputs.length);
          return target.appendApplications(inputs);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Store;
  server = await startTestServer({ store: spy });
});
after(async () => {
  await server.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function groupWith(owner: TestDevice, ...others: TestDevice[]): Promise<string> {
  const conversationId = newConversationId();
  await owner.client.ok("conversation.create", { conversationId, kind: "group" });
  await owner.client.ok("conversation.commit", commitBody(conversationId, 0, { add: others.map((o) => o.deviceId) }));
  return conversationId;
}

async function collect(c: TestClient, conversationId: string, upTo: number): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  const mine = (f: PushFrame) => f.type === "deliver" && f.conversationId === conversationId;
  while (!entries.some((e) => e.seq >= upTo)) entries.push(...(await c.nextPush<DeliverFrame>(mine)).entries);
  return entries;
}

const seqOf = (r: Reply) => {
  assert.equal(r.type, "ok", r.type === "error" ? `${r.code} ${r.message}` : "");
  return (r as Extract<Reply, { type: "ok" }>).result as { seq: number; duplicate: boolean };
};

test("pipelined sends are stored in the order sent, through one store call, each answered on its own", async () => {
  const alice = await newDevice(server.wsUrl, "alice");
  const bob = await newDevice(server.wsUrl, "bob");
  const conversationId = await groupWith(alice, bob); // seq 1 adds bob
  const bobsOwn = newConversationId(); // alice is not in it
  await bob.client.ok("conversation.create", { conversationId: bobsOwn, kind: "group" });
  const takenId = newMessageId();
  await bob.client.ok("message.send", sendBody(conversationId, 1, takenId)); // seq 2

  const ids = Array.from({ length: 30 }, () => newMessageId());
  appendCalls.length = 0;
  // All written before any reply can come back: the gateway finds them queued back to back.
  const replies = [
    ...ids.slice(0, 10).map((id) => alice.client.request("message.send", sendBody(conversationId, 1, id))),
    alice.client.request("message.send", sendBody(conversationId, 1, takenId)),
    alice.client.request("message.send", sendBody(bobsOwn, 0)),
    ...ids.slice(10).map((id) => alice.client.request("message.send", sendBody(conversationId, 1, id))),
  ];
  const answered = await Promise.all(replies);

  const taken = answered.splice(10, 2) as ErrorReply[];
  assert.deepEqual(
    taken.map((r) => [r.type, r.code]),
    [
      ["error", ErrorCode.Forbidden],
      ["error", ErrorCode.NotMember],
    ],
  );
  assert.deepEqual(
    answered.map((r) => seqOf(r).seq),
    ids.map((_, i) => 3 + i),
    "every send stored once, at the next seq, in the order sent",
  );
  assert.ok(appendCalls[0]! > 1, `the sends reached the store together, the first among them (calls of ${appendCalls.join(",")})`);
  assert.equal(
    appendCalls.reduce((a, b) => a + b, 0),
    32,
  );

  const got = await collect(bob.client, conversationId, 32);
  assert.deepEqual(
    got.map((e) => (e.kind === "application" ? e.messageId : null)),
    ids,
    "bob receives them in alice's order",
  );
  // A retry of the same pipelined burst is answered as duplicates, with the first seqs.
  const again = await Promise.all(ids.map((id) => alice.client.request("message.send", sendBody(conversationId, 1, id))));
  assert.deepEqual(
    again.map((r) => seqOf(r)),
    ids.map((_, i) => ({ seq: 3 + i, duplicate: true })),
  );
  assert.deepEqual([...alice.client.violations, ...bob.client.violations], []);
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("a run holds at most about a megabyte of ciphertext: large pipelined sends go to the store in several calls, still in order", async () => {
  const alice = await newDevice(server.wsUrl, "alice4");
  const bob = await newDevice(server.wsUrl, "bob4");
  const conversationId = await groupWith(alice, bob);
  appendCalls.length = 0;
  // About 267 KB of base64 each: a run takes its first and then three more (a fourth would pass 1 MiB).
  const bodies = Array.from({ length: 8 }, () => ({ ...sendBody(conversationId, 1), ciphertext: randomBytes(200_000).toString("base64") }));
  const answered = await Promise.all(bodies.map((b) => alice.client.request("message.send", b)));
  assert.deepEqual(
    answered.map((r) => seqOf(r).seq),
    bodies.map((_, i) => 2 + i),
  );
  assert.ok(Math.max(...appendCalls) <= 4, `calls of ${appendCalls.join(",")}`);
  assert.ok(Math.max(...appendCalls) > 1, `calls of ${appendCalls.join(",")}`);
  assert.equal(appendCalls.reduce((a, b) => a + b, 0), 8);
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("acks pipelined among sends move the cursor to the highest and past the device's own new entries, and every request is answered", async () => {
  const alice = await newDevice(server.wsUrl, "alice2");
  const bob = await newDevice(server.wsUrl, "bob2");
  const conversationId = await groupWith(alice, bob);
  for (let i = 0; i < 6; i++) await alice.client.ok("message.send", sendBody(conversationId, 1)); // 2..7
  await collect(bob.client, conversationId, 7);

  const burst = [2, 7, 4].flatMap((seq) => [
    bob.client.request("delivery.ack", { conversationId, seq }),
    bob.client.request("message.send", sendBody(conversationId, 1)),
  ]);
  const answered = await Promise.all(burst);
  assert.deepEqual(
    answered.map((r) => r.type),
    Array(6).fill("ok"),
  );
  assert.deepEqual(
    answered.filter((_, i) => i % 2 === 1).map((r) => seqOf(r).seq),
    [8, 9, 10],
  );
  // Bob acked 7 and then sent 8..10 himself: the acks were settled ahead of his appends, so each
  // send passed his cursor over his own new entry, as answering them one at a time would have.
  assert.equal((await store.getDeliveryState(conversationId, bob.deviceId))?.cursor, 10);
  assert.equal((await bob.client.ok("delivery.pending", {})).entries, 0);
  await Promise.all([alice.client.close(), bob.client.close()]);
});

test("sends from a device revoked behind the gateway's back are refused as revoked, alone or pipelined, and the connection closes", async () => {
  const alice = await newDevice(server.wsUrl, "alice3");
  const bob = await newDevice(server.wsUrl, "bob3");
  const dave = await newDevice(server.wsUrl, "dave3");
  const conversationId = await groupWith(alice, bob, dave);
  const daveSent = newMessageId();
  await dave.client.ok("message.send", sendBody(conversationId, 1, daveSent)); // seq 2
  // Straight in the store: no bus event closes their connections, so only the store's membership
  // check (revocation removed them) and the handler's look at the device can catch it.
  await store.revokeDevice(alice.deviceId, Date.now());
  await store.revokeDevice(dave.deviceId, Date.now());
  const isRevoked = (r: Reply) => r.type === "error" && r.code === ErrorCode.SessionInvalid;

  const lone = await alice.client.request("message.send", sendBody(conversationId, 1));
  assert.ok(isRevoked(lone), JSON.stringify(lone));
  assert.ok((await alice.client.closed).code > 0);

  // Behind a request that is not part of a run (and, moving only the device's own position, passes
  // the gate without a re-read), so that they queue up and run together: a new message, a repeat
  // of one sent before the revocation (a duplicate, for a live device), an ack, and a
  // conversation that does not exist.
  const slow = dave.client.request("welcome.ack", { seq: 0 });
  const burst = [
    dave.client.request("message.send", sendBody(conversationId, 1)),
    dave.client.request("message.send", sendBody(conversationId, 1, daveSent)),
    dave.client.request("delivery.ack", { conversationId, seq: 1 }),
    dave.client.request("message.send", sendBody(newConversationId(), 1)),
  ];
  await slow;
  const answered = await Promise.all(burst);
  assert.deepEqual(
    [answered[0]!, answered[1]!, answered[3]!].map(isRevoked),
    [true, true, true],
    JSON.stringify(answered),
  );
  assert.ok((await dave.client.closed).code > 0);
  const state = await store.getDeliveryState(conversationId, bob.deviceId);
  assert.equal(state?.lastSeq, 4, "nothing was appended after the two revocations' system entries");
  await bob.client.close();
});
