import { isBusBatch, type IpcLink } from "./ipcBus.js";

/**
 * The primary's half of the workers' IpcBus: every bus batch a worker sends goes to every other
 * worker, in the order received. Each worker serves its own listeners, so nothing here knows
 * topics; with a handful of workers (one per core) a broadcast costs less than keeping every
 * connection's subscriptions in the primary.
 */
export class BusRelay {
  private readonly links = new Map<number, IpcLink>();

  /** Adds a worker's link; returns the function that removes it. */
  add(id: number, link: IpcLink): () => void {
    this.links.set(id, link);
    const stop = link.onMessage((message) => {
      if (!isBusBatch(message)) return;
      for (const [other, otherLink] of this.links) {
        if (other === id) continue;
        try {
          otherLink.send(message);
        } catch {
          // That worker is exiting; it will be replaced and will read what it missed from the store.
        }
      }
    });
    return () => {
      stop();
      this.links.delete(id);
    };
  }
}
