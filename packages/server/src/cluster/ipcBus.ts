import type { Bus, BusEvent, BusListener } from "../bus/Bus.js";
import { MemoryBus } from "../bus/memoryBus.js";

/**
 * One side of a message link between a worker and the primary: a worker's `process` IPC channel
 * in production, a MessagePort in tests. Messages arrive in the order they were sent.
 */
export interface IpcLink {
  send(message: unknown): void;
  /** Returns the function that stops listening. */
  onMessage(listener: (message: unknown) => void): () => void;
}

/** What a worker's bus sends the primary, and the primary relays to every other worker. */
export interface BusBatch {
  parleyBus: Array<[topic: string, event: BusEvent]>;
}

export function isBusBatch(message: unknown): message is BusBatch {
  return typeof message === "object" && message !== null && Array.isArray((message as BusBatch).parleyBus);
}

/**
 * The bus of one worker process of `parley serve --workers N`: listeners in this process are
 * served in-process (a MemoryBus), and what is published here also goes, through the primary,
 * to every other worker, which serves it to its own listeners. Events published during one
 * event-loop turn travel as one IPC message, so a busy room costs one message per turn, not one
 * per event. The link lives as long as the worker (the worker exits when the primary goes), so
 * a subscription is live from the start and no event is lost in transit: unlike Redis, there is
 * no reconnect after which listeners must re-read.
 */
export class IpcBus implements Bus {
  private readonly local = new MemoryBus();
  private outbox: BusBatch["parleyBus"] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly stopListening: () => void;

  constructor(private readonly link: IpcLink) {
    this.stopListening = link.onMessage((message) => {
      if (this.closed || !isBusBatch(message)) return;
      for (const [topic, event] of message.parleyBus) void this.local.publish(topic, event);
    });
  }

  async publish(topic: string, event: BusEvent): Promise<void> {
    if (this.closed) return;
    void this.local.publish(topic, event);
    this.outbox.push([topic, event]);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  subscribe(topic: string, listener: BusListener): () => void {
    return this.local.subscribe(topic, listener);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0) return;
    const batch: BusBatch = { parleyBus: this.outbox };
    this.outbox = [];
    try {
      this.link.send(batch);
    } catch {
      // The primary is gone; this worker is about to exit (it listens for the disconnect).
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.stopListening();
    await this.local.close();
  }
}
