/**
 * The XMPP fan-out load generator for the ejabberd comparison: the same workload as
 * bench/parley/loadgen.ts (lib/workload.ts), over raw XMPP on TCP: SASL ANONYMOUS, resource
 * binding, a MUC join per occupant, then groupchat messages whose body is a base64 payload of the
 * same size as Parley's. The MUC reflects each message to its sender too: that echo is the
 * "confirmed" signal of the closed loop (Parley's is the message.send reply).
 *   <- { cmd: "run", port, rooms: [occupants…], workload }   -> { report } | { error }
 */
import { randomBytes } from "node:crypto";
import net from "node:net";
import { measureWindow, serveRun } from "../lib/loadgenProcess.js";
import { Recorder } from "../lib/recorder.js";
import { Pacer, type Workload } from "../lib/workload.js";

interface Run {
  cmd: "run";
  port: number;
  rooms: number[];
  workload: Workload;
}

const DOMAIN = "localhost";
const MUC = "conference.localhost";
const CONNECT_CONCURRENCY = 100;
const STREAM_OPEN = `<?xml version='1.0'?><stream:stream to='${DOMAIN}' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>`;

type Handler = (name: string, stanza: string) => void;

/** Splits an XMPP stream into top-level stanzas (message, presence, iq, and the stream's own). */
class StanzaReader {
  private buf = "";
  constructor(public onStanza: Handler) {}
  feed(chunk: string): void {
    this.buf += chunk;
    let pos = 0;
    for (;;) {
      const start = this.buf.indexOf("<", pos);
      if (start < 0) break;
      if (this.buf.startsWith("<?xml", start)) {
        const end = this.buf.indexOf("?>", start);
        if (end < 0) break;
        pos = end + 2;
        continue;
      }
      const openEnd = this.buf.indexOf(">", start);
      if (openEnd < 0) break;
      const nameEnd = this.buf.slice(start + 1, openEnd + 1).search(/[\s/>]/);
      const name = this.buf.slice(start + 1, start + 1 + nameEnd);
      if (name === "stream:stream") {
        this.onStanza(name, this.buf.slice(start, openEnd + 1));
        pos = openEnd + 1;
        continue;
      }
      let end: number;
      if (this.buf[openEnd - 1] === "/") end = openEnd + 1;
      else {
        const close = this.buf.indexOf(`</${name}>`, openEnd);
        if (close < 0) break;
        end = close + name.length + 3;
      }
      this.onStanza(name, this.buf.slice(start, end));
      pos = end;
    }
    this.buf = this.buf.slice(pos);
  }
}

interface Occupant {
  socket: net.Socket;
  reader: StanzaReader;
  room: string;
  index: number;
}

function waitFor(o: Occupant, test: (name: string, s: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const previous = o.reader.onStanza;
    o.reader.onStanza = (name, s) => {
      const failed = name === "stream:error" || name === "failure" || (name === "presence" && /type=['"]error['"]/.test(s));
      if (failed) return reject(new Error(`xmpp: ${s.slice(0, 400)}`));
      if (test(name, s)) {
        o.reader.onStanza = previous;
        resolve(s);
      }
    };
  });
}

async function join(port: number, room: string, index: number): Promise<Occupant> {
  const socket = net.connect({ port, host: "127.0.0.1" });
  socket.setNoDelay(true);
  socket.setEncoding("utf8");
  const o: Occupant = { socket, reader: new StanzaReader(() => undefined), room, index };
  socket.on("data", (d: string) => o.reader.feed(d));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let step = waitFor(o, (n) => n === "stream:features");
  socket.write(STREAM_OPEN);
  await step;
  step = waitFor(o, (n) => n === "success");
  socket.write("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
  await step;
  step = waitFor(o, (n) => n === "stream:features");
  socket.write(STREAM_OPEN);
  await step;
  step = waitFor(o, (n, s) => n === "iq" && s.includes("id='bind'"));
  socket.write("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  await step;
  // Status 110 marks the occupant's own presence: the join is complete.
  step = waitFor(o, (n, s) => n === "presence" && s.includes("code='110'"));
  socket.write(
    `<presence to='${room}@${MUC}/o${index}'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`,
  );
  await step;
  return o;
}

const idOf = (s: string) => /\sid=['"]([^'"]+)['"]/.exec(s.slice(0, s.indexOf(">")))?.[1];

/** Joins that take longer than this fail the run instead of holding the benchmark up. */
const JOIN_DEADLINE_MS = 180_000;

async function run(r: Run) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`ejabberd: the MUC joins did not finish within ${JOIN_DEADLINE_MS / 1000} s`)), JOIN_DEADLINE_MS);
  });
  try {
    return await Promise.race([measure(r, () => clearTimeout(timer)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function measure({ port, rooms, workload }: Run, joined: () => void) {
  const rec = new Recorder();
  const payload = randomBytes(workload.payloadBytes).toString("base64");
  const inFlight = new Map<string, [number, number]>();
  const senders: Occupant[] = [];
  const senderOf = new Map<Occupant, number>();
  let pacer: Pacer | null = null;

  const all: Occupant[] = [];
  let n = 0;
  for (const [r, size] of rooms.entries()) {
    const room = `bench${r}_${randomBytes(4).toString("hex")}`;
    const members: Occupant[] = [];
    for (let i = 0; i < size; i += CONNECT_CONCURRENCY) {
      const batch = [];
      for (let j = i; j < Math.min(size, i + CONNECT_CONCURRENCY); j++) batch.push(join(port, room, n++));
      members.push(...(await Promise.all(batch)));
    }
    for (const m of members.slice(0, workload.sendersPerRoom)) {
      senderOf.set(m, senders.length);
      senders.push(m);
    }
    for (const m of members) (m as Occupant & { recipients: number }).recipients = size - 1;
    all.push(...members);
  }
  for (const o of all) {
    const mine = senderOf.get(o);
    o.reader.onStanza = (name, s) => {
      if (name !== "message") return;
      const id = idOf(s);
      if (id === undefined) return;
      const now = performance.now();
      const from = Number(id.slice(1, id.indexOf("_")));
      if (from === mine) {
        if (rec.inWindow(now)) rec.confirmed++;
        pacer?.onConfirm(mine);
        return;
      }
      const m = inFlight.get(id);
      if (m === undefined) return;
      rec.delivered(m[0], now);
      if (--m[1] === 0) inFlight.delete(id);
    };
  }
  joined();
  await new Promise((r) => setTimeout(r, 500));

  let counter = 0;
  pacer = new Pacer(workload, senders.length, (s, dueAt) => {
    const o = senders[s]!;
    const id = `m${s}_${(counter++).toString(36)}`;
    inFlight.set(id, [dueAt, (o as Occupant & { recipients: number }).recipients]);
    rec.sent++;
    o.socket.write(`<message to='${o.room}@${MUC}' type='groupchat' id='${id}'><body>${payload}</body></message>`);
  });
  const report = await measureWindow(pacer, rec, workload);
  for (const o of all) o.socket.destroy();
  return { ...report, clients: all.length, senders: senders.length, rooms: rooms.length };
}

serveRun<Run>(run);
