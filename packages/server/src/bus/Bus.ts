import type { CachedEntry } from "../delivery/entryCache.js";

/**
 * Fan-out between the handlers that change state and the connections that must hear about it,
 * possibly on other server instances. Events carry ids and sequence numbers: receivers read the
 * actual data from the Store, so a lost or repeated event costs a read, never correctness.
 */
export type BusEvent =
  /**
   * The conversation's log has entries up to `seq`. `entry`, when present, is that newest entry
   * already serialized (what message.send stored): a receiving process keeps it in its entry
   * cache instead of reading it back. Only a hint: without it, or if it does not fit, the store
   * is read as usual. Only the in-process and IPC buses (one deployment's own processes) carry
   * it; Redis never does, so contents never pass through Redis and Redis cannot inject them.
   */
  | { type: "appended"; conversationId: string; seq: number; entry?: CachedEntry }
  /** The device was added to a conversation or has a new Welcome in its queue. */
  | { type: "membership"; deviceId: string }
  /** The device was revoked: its connections must close. */
  | { type: "revoked"; deviceId: string }
  /** The session (by the hex of its token hash) was logged out: its connections must close. */
  | { type: "sessionEnded"; session: string }
  /**
   * Sent by the bus itself, to one listener, once its subscription is live (and again after the
   * bus lost and regained its link): events published before this may have been missed, so a
   * listener that keeps state re-reads it from the Store.
   */
  | { type: "subscribed"; topic: string };

export type BusListener = (event: BusEvent) => void;

/**
 * Contract (checked by test/bus-conformance.ts against every implementation): an event published
 * after a listener received its `subscribed` event reaches that listener once, on a later turn of
 * the event loop, in publish order per publisher and topic; a listener never hears another topic,
 * nor anything after it unsubscribed; a listener that throws affects no other.
 */
export interface Bus {
  publish(topic: string, event: BusEvent): Promise<void>;
  /** Returns the function that unsubscribes this listener. Its `subscribed` event follows. */
  subscribe(topic: string, listener: BusListener): () => void;
  /** Whether the bus's backing service answers (GET /healthz); absent means always. */
  ping?(): Promise<boolean>;
  close(): Promise<void>;
}

/** Topic names, in one place so that implementations and tests agree. */
export const topics = {
  conversation: (conversationId: string) => `conversation:${conversationId}`,
  device: (deviceId: string) => `device:${deviceId}`,
  session: (sessionHex: string) => `session:${sessionHex}`,
};
