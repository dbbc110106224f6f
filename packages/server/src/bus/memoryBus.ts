import type { Bus, BusEvent, BusListener } from "./Bus.js";

/**
 * The in-process Bus: one server instance, no network. Listeners run on a later microtask, so a
 * publisher never re-enters a listener while it is in the middle of its own work.
 */
export class MemoryBus implements Bus {
  private readonly listeners = new Map<string, Set<BusListener>>();
  private closed = false;

  async publish(topic: string, event: BusEvent): Promise<void> {
    if (this.closed) return;
    const set = this.listeners.get(topic);
    if (!set) return;
    for (const listener of [...set]) {
      queueMicrotask(() => {
        if (!set.has(listener)) return;
        safeCall(listener, event);
      });
    }
  }

  subscribe(topic: string, listener: BusListener): () => void {
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    // Live at once; said on a later microtask like every other event.
    queueMicrotask(() => {
      if (!this.closed && this.listeners.get(topic)?.has(listener)) safeCall(listener, { type: "subscribed", topic });
    });
    return () => {
      const current = this.listeners.get(topic);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(topic);
    };
  }

  /** Topics with at least one listener (for leak checks in tests). */
  get topicCount(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
  }
}

/** Listeners handle their own failures; one that throws anyway must not stop the server. */
export function safeCall(listener: BusListener, event: BusEvent): void {
  try {
    listener(event);
  } catch {
    // ignored on purpose
  }
}
