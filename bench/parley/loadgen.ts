/**
 * The Parley fan-out load generator: its own process, started by bench/fanout.ts with an IPC
 * channel. It connects every seeded client over the WebSocket protocol (session.resume), has the
 * first `sendersPerRoom` members of each conversation send `message.send` per the workload, and
 * has every client read its `deliver` pushes and ack them as the real client's inbox does
 * (packages/client/src/conversations/inbox.ts): one ack per conversation with the newest seq,
 * once the frames that arrived together have been read, and at most once per ACK_INTERVAL_MS.
 * Latency is from when a message was due to when each recipient got it; senders and recipients
 * share this process's clock.
 *   <- { cmd: "run", wsUrl, clients, workload }   -> { report } | { error }
 */
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { ACK_INTERVAL_MS } from "@parley/protocol";
import { measureWindow, serveRun } from "../lib/loadgenProcess.js";
import { Recorder } from "../lib/recorder.js";
import { Pacer, type Workload } from "../lib/workload.js";
import type { SeededClient } from "./seed.js";

interface Run {
  cmd: "run";
  wsUrl: string;
  clients: SeededClient[];
  workload: Workload;
}

const CONNECT_CONCURRENCY = 200;

interface Client {
  seeded: SeededClient;
  ws: WebSocket;
  nextId: number;
  recipients: number;
  /** Newest seq received per conversation and not acked yet. */
  unacked: Map<string, number>;
  lastAckAt: number;
  /** An ack batch is due (after this turn, or when the interval ends). */
  ackDue: boolean;
}

function connect(wsUrl: string, seeded: SeededClient, onData: (c: Client, text: string) => void): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    const client: Client = { seeded, ws, nextId: 2, recipients: 0, unacked: new Map(), lastAckAt: -Infinity, ackDue: false };
    ws.once("error", reject);
    ws.once("open", () => ws.send(JSON.stringify({ id: 1, type: "session.resume", body: { token: seeded.token } })));
    let resumed = false;
    ws.on("message", (data) => {
      const text = data.toString();
      if (!resumed) {
        const frame = JSON.parse(text) as Record<string, unknown>;
        if (frame.id !== 1) return;
        if (frame.type !== "ok") return reject(new Error(`session.resume: ${String(frame.code)}`));
        resumed = true;
        ws.off("error", reject);
        return resolve(client);
      }
      onData(client, text);
    });
  });
}

async function run({ wsUrl, clients: seeded, workload }: Run) {
  const rec = new Recorder();
  const payload = randomBytes(workload.payloadBytes).toString("base64");
  /** messageId -> [dueAt, deliveries still expected] */
  const inFlight = new Map<string, [number, number]>();
  const senders: Client[] = [];
  const senderIndex = new Map<Client, number>();
  let pacer: Pacer | null = null;

  const request = (c: Client, type: string, body: unknown, isSend: boolean) => {
    // Odd ids are message.send, even ones everything else, so a reply tells which it answers.
    const id = isSend ? c.nextId * 2 + 1 : c.nextId * 2;
    c.nextId++;
    c.ws.send(`{"id":${id},"type":"${type}","body":${JSON.stringify(body)}}`);
  };

  const sendAcks = (c: Client) => {
    c.ackDue = false;
    c.lastAckAt = performance.now();
    for (const [conversationId, seq] of c.unacked) request(c, "delivery.ack", { conversationId, seq }, false);
    c.unacked.clear();
  };
  /** The inbox's rule: once this turn's frames are read, or when the interval since the last acks ends. */
  const scheduleAcks = (c: Client, now: number) => {
    if (c.ackDue) return;
    c.ackDue = true;
    const wait = c.lastAckAt + ACK_INTERVAL_MS - now;
    if (wait <= 0) setImmediate(() => sendAcks(c));
    else setTimeout(() => sendAcks(c), wait);
  };

  // Pushes are scanned, not parsed: like the XMPP generator, this reads only what it needs (the
  // message ids for latency and the last seq to ack), so the generator steals less CPU from the
  // server under test. Ciphertexts are base64 and ids base64url, so neither can fake a match.
  const onData = (c: Client, text: string) => {
    const now = performance.now();
    if (text.startsWith('{"type":"deliver"')) {
      const conversationId = /"conversationId":"([^"]+)"/.exec(text)![1];
      let lastSeq = 0;
      for (const m of text.matchAll(/"seq":(\d+)/g)) lastSeq = Number(m[1]);
      for (const m of text.matchAll(/"messageId":"([^"]+)"/g)) {
        const f = inFlight.get(m[1]!);
        if (f === undefined) continue;
        rec.delivered(f[0], now);
        if (--f[1] === 0) inFlight.delete(m[1]!);
      }
      c.unacked.set(conversationId!, lastSeq);
      scheduleAcks(c, now);
      return;
    }
    const f = JSON.parse(text) as Record<string, unknown>;
    if (f.type === "welcome") {
      request(c, "welcome.ack", { seq: f.seq }, false);
    } else if (f.type === "ok" && typeof f.id === "number" && f.id % 2 === 1) {
      if (rec.inWindow(now)) rec.confirmed++;
      pacer?.onConfirm(senderIndex.get(c)!);
    } else if (f.type === "error") {
      rec.errors++;
      if (rec.errors <= 5) console.error("loadgen: server error", f.code, f.message);
    }
  };

  const clients: Client[] = [];
  for (let i = 0; i < seeded.length; i += CONNECT_CONCURRENCY) {
    clients.push(...(await Promise.all(seeded.slice(i, i + CONNECT_CONCURRENCY).map((s) => connect(s.wsUrl ?? wsUrl, s, onData)))));
  }
  const rooms = new Map<string, Client[]>();
  for (const c of clients) {
    const list = rooms.get(c.seeded.conversationId!) ?? [];
    list.push(c);
    rooms.set(c.seeded.conversationId!, list);
  }
  for (const members of rooms.values()) {
    for (const c of members.slice(0, workload.sendersPerRoom)) {
      c.recipients = members.length - 1;
      senderIndex.set(c, senders.length);
      senders.push(c);
    }
  }
  // Let the Welcome pushes and their acks settle before measuring.
  await new Promise((r) => setTimeout(r, 500));

  let counter = 0;
  pacer = new Pacer(workload, senders.length, (s, dueAt) => {
    const c = senders[s]!;
    const messageId = `m${s.toString(36)}_${(counter++).toString(36).padStart(7, "0")}`;
    inFlight.set(messageId, [dueAt, c.recipients]);
    rec.sent++;
    request(c, "message.send", { conversationId: c.seeded.conversationId, epoch: 1, messageId, ciphertext: payload }, true);
  });
  const report = await measureWindow(pacer, rec, workload);
  for (const c of clients) c.ws.terminate();
  return { ...report, clients: clients.length, senders: senders.length, rooms: rooms.size };
}

serveRun<Run>(run);
