import type { Limits, LogEntry } from "@parley/protocol";
import { topics, type Bus } from "../bus/Bus.js";
import type { DeliveryState, Store } from "../store/Store.js";
import { entryCacheFor, type EntryCache } from "./entryCache.js";

/** Where a Pusher writes frames: resolves when more may be sent, false once the connection is gone. */
export type PushSink = (frame: string) => Promise<boolean>;

export interface PusherOptions {
  store: Store;
  bus: Bus;
  deviceId: string;
  limits: Readonly<Limits>;
  sink: PushSink;
  /** Called once if reading from the store fails; the connection should then close. */
  onFailure: (error: unknown) => void;
}

const WELCOME_BATCH = 64;
/** Room for the `deliver` frame's own fields around the entries. */
const FRAME_OVERHEAD = 256;

/**
 * Pushes one device's deliveries over one authenticated connection: first its queued Welcomes,
 * then, for each conversation it belongs to, the log entries past its cursor (excluding its own),
 * then new ones as the bus announces them. Bus events only say "look again": every push is read
 * from the store, so nothing depends on an event arriving exactly once.
 *
 * One loop runs at a time and awaits the sink, which is where backpressure pauses it.
 */
export class Pusher {
  /** Highest seq pushed per conversation on this connection (acks may lag behind). */
  private readonly sent = new Map<string, number>();
  /** Per conversation, the last entry pushed that another device sent: after it, only the device's own. */
  private readonly lastOther = new Map<string, number>();
  /**
   * Delivery states read from the store that are still known to hold, so that a push of new
   * application messages needs no store read (one read per push and recipient was the largest
   * cost left in the small-rooms fan-out profile). A state read with no removal holds for every
   * application entry after it: only a commit or system entry changes membership, and the store
   * appends one in the same transaction as any removal. So the trust ends at the first such entry,
   * at a gap in the entries, or when the bus may have lost events; the state is then read again.
   */
  private readonly trusted = new Map<string, { cursor: number; lastSeq: number }>();
  /** Per conversation, the highest seq announced on the bus (the log has entries up to it). */
  private readonly announced = new Map<string, number>();
  private readonly conversationSubs = new Map<string, () => void>();
  private deviceSub: (() => void) | null = null;
  private welcomeSent = 0;
  private rescanDue = true;
  private welcomesDue = true;
  private readonly due = new Set<string>();
  private running = false;
  /** The loop now running, if any: shutdown waits for it before the store closes. */
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;
  private soon: NodeJS.Immediate | null = null;
  private readonly cache: EntryCache;

  constructor(private readonly o: PusherOptions) {
    this.cache = entryCacheFor(o.store);
  }

  start(): void {
    this.deviceSub = this.o.bus.subscribe(topics.device(this.o.deviceId), (event) => {
      if (event.type !== "membership" && event.type !== "subscribed") return;
      this.rescanDue = true;
      this.welcomesDue = true;
      this.kick();
    });
    this.kick();
  }

  stop(): void {
    this.stopped = true;
    this.deviceSub?.();
    this.deviceSub = null;
    if (this.soon !== null) clearImmediate(this.soon);
    this.soon = null;
    for (const unsubscribe of this.conversationSubs.values()) unsubscribe();
    this.conversationSubs.clear();
  }

  /**
   * Runs the loop after the current I/O turn rather than at once: messages appended during one
   * turn (a busy room gets many) then go out in one read, one frame and one ack, instead of one each.
   */
  private kickSoon(): void {
    if (this.soon !== null || this.stopped) return;
    this.soon = setImmediate(() => {
      this.soon = null;
      this.kick();
    });
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = this.run().catch((error: unknown) => {
      if (this.stopped) return;
      this.stop();
      this.o.onFailure(error);
    });
  }

  /** Resolves once no loop is running (a stopped Pusher starts none): its store reads are over. */
  settled(): Promise<void> {
    return this.loop;
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.rescanDue) {
          await this.rescan();
        } else if (this.welcomesDue) {
          await this.pushWelcomes();
        } else {
          const next = this.due.values().next();
          if (next.done) break;
          this.due.delete(next.value);
          await this.pushConversation(next.value);
        }
      }
    } finally {
      // Synchronously after the last check, so an event arriving now starts a new loop.
      this.running = false;
    }
  }

  private async rescan(): Promise<void> {
    this.rescanDue = false;
    for (const state of await this.o.store.listDeliveryStates(this.o.deviceId)) {
      this.watch(state.conversationId);
      this.trust(state);
      this.due.add(state.conversationId);
    }
  }

  private trust(state: DeliveryState): void {
    if (state.removedSeq === null) this.trusted.set(state.conversationId, { cursor: state.cursor, lastSeq: state.lastSeq });
    else this.trusted.delete(state.conversationId);
  }

  private watch(conversationId: string): void {
    if (this.conversationSubs.has(conversationId) || this.stopped) return;
    const unsubscribe = this.o.bus.subscribe(topics.conversation(conversationId), (event) => {
      if (event.type === "appended") {
        // Sent along by another server process: the first Pusher here to hear it caches it.
        if (event.entry !== undefined) this.cache.keep(conversationId, [event.entry]);
        if (event.seq > (this.announced.get(conversationId) ?? 0)) this.announced.set(conversationId, event.seq);
      } else if (event.type === "subscribed") {
        // Events may have been missed: learn the log's end from the store again.
        this.trusted.delete(conversationId);
      } else {
        return;
      }
      this.due.add(conversationId);
      this.kickSoon();
    });
    this.conversationSubs.set(conversationId, unsubscribe);
  }

  private unwatch(conversationId: string): void {
    this.conversationSubs.get(conversationId)?.();
    this.conversationSubs.delete(conversationId);
    this.sent.delete(conversationId);
    this.lastOther.delete(conversationId);
    this.trusted.delete(conversationId);
    this.announced.delete(conversationId);
  }

  /**
   * Where an ack of `seq` may move the cursor without asking the store, or null when this
   * connection has not pushed that far (the store then decides, as for any other ack).
   *
   * Everything up to `sent` was read from the store for this device after checking its
   * membership, within the entries it may receive (never past its removal), and pushes began at
   * its cursor: so `seq <= sent` is a position the device may ack. And the entries after the last
   * one from another device were all its own, never sent to it: an ack that reaches that entry
   * also passes over them, as Store.ackDelivery would.
   */
  ackPosition(conversationId: string, seq: number): number | null {
    const sent = this.sent.get(conversationId);
    if (sent === undefined || seq > sent) return null;
    return seq >= (this.lastOther.get(conversationId) ?? 0) ? sent : seq;
  }

  private async pushWelcomes(): Promise<void> {
    this.welcomesDue = false;
    for (;;) {
      const welcomes = await this.o.store.readWelcomes(this.o.deviceId, this.welcomeSent, WELCOME_BATCH);
      for (const w of welcomes) {
        if (!(await this.o.sink(JSON.stringify({ type: "welcome", ...w })))) return this.stop();
        this.welcomeSent = w.seq;
      }
      if (welcomes.length < WELCOME_BATCH) return;
    }
  }

  private async pushConversation(conversationId: string): Promise<void> {
    const trusted = this.trusted.get(conversationId);
    if (trusted !== undefined) {
      const end = Math.max(trusted.lastSeq, this.announced.get(conversationId) ?? 0);
      const reached = await this.pushRange(conversationId, Math.max(this.sent.get(conversationId) ?? 0, trusted.cursor), end, true);
      if (reached < end && !this.stopped) {
        // A membership entry or a gap: the rest goes through a fresh read of the state.
        this.trusted.delete(conversationId);
        this.due.add(conversationId);
      }
      return;
    }
    const state = await this.o.store.getDeliveryState(conversationId, this.o.deviceId);
    if (!state) return this.unwatch(conversationId);
    // A removed device receives the entry that removed it, and nothing after.
    const end = state.removedSeq ?? state.lastSeq;
    const reached = await this.pushRange(conversationId, Math.max(this.sent.get(conversationId) ?? 0, state.cursor), end, false);
    if (state.removedSeq !== null) {
      if (reached >= state.removedSeq) this.unwatch(conversationId);
    } else if (reached >= end) {
      this.trust(state);
    }
  }

  /**
   * Pushes the entries after `from` up to `end` (the device's own left out), and returns the seq
   * reached. With `applicationOnly` (a trusted state), it stops before a commit or system entry
   * and at a gap in the sequence.
   */
  private async pushRange(conversationId: string, from: number, end: number, applicationOnly: boolean): Promise<number> {
    while (from < end && !this.stopped) {
      const max = this.o.limits.maxDeliverBatch;
      let batch = this.cache.range(conversationId, from, end, max);
      if (batch.length === 0) batch = this.cache.add(conversationId, await this.o.store.readEntries(conversationId, from, end, max));
      if (applicationOnly) {
        const stop = batch.findIndex((e, i) => e.membership || e.seq !== from + 1 + i);
        if (stop >= 0) batch = batch.slice(0, stop);
      }
      if (batch.length === 0) break;
      // A device cannot decrypt its own MLS messages: they are never sent back to it.
      const others = batch.filter((e) => e.senderDeviceId !== this.o.deviceId);
      for (const frame of deliverFramesJson(conversationId, others.map((e) => e.json), this.o.limits)) {
        if (!(await this.o.sink(frame))) {
          this.stop();
          return from;
        }
      }
      from = batch[batch.length - 1]!.seq;
      if (others.length > 0) this.lastOther.set(conversationId, others[others.length - 1]!.seq);
      this.sent.set(conversationId, from);
    }
    return from;
  }
}

/** Splits entries into `deliver` frames within maxDeliverBatch entries and maxFrameBytes. */
export function deliverFrames(conversationId: string, entries: LogEntry[], limits: Readonly<Limits>): string[] {
  return deliverFramesJson(
    conversationId,
    entries.map((e) => JSON.stringify(e)),
    limits,
  );
}

/** deliverFrames over entries already serialized (each a LogEntry's JSON). */
export function deliverFramesJson(conversationId: string, entries: string[], limits: Readonly<Limits>): string[] {
  const head = `{"type":"deliver","conversationId":${JSON.stringify(conversationId)},"entries":[`;
  const frames: string[] = [];
  let parts: string[] = [];
  let size = head.length + FRAME_OVERHEAD;
  const flush = () => {
    if (parts.length > 0) frames.push(head + parts.join(",") + "]}");
    parts = [];
    size = head.length + FRAME_OVERHEAD;
  };
  for (const json of entries) {
    if (parts.length >= limits.maxDeliverBatch || (parts.length > 0 && size + json.length + 1 > limits.maxFrameBytes)) {
      flush();
    }
    parts.push(json);
    size += json.length + 1;
  }
  flush();
  return frames;
}
