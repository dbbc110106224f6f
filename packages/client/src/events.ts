import type { Envelope } from "./envelope.js";
import type { MessageState } from "./store/LocalStore.js";

export type ConnectionState = "connecting" | "online" | "offline" | "closed";

/** Everything a user interface needs to follow, as typed events. */
export interface ClientEvents {
  message: {
    conversationId: string;
    seq: number;
    messageId: string;
    sender: { username: string; deviceId: string };
    sentAt: number;
    envelope: Envelope;
    direction: "in" | "out";
  };
  /** Delivery or read state of one of our messages changed (from a receipt inside MLS). */
  "message-state": { conversationId: string; messageId: string; state: MessageState; by: string };
  typing: { conversationId: string; username: string; active: boolean };
  /** This device joined a conversation (Welcome or external join). */
  joined: { conversationId: string; kind: "direct" | "group"; name: string; by: string | null };
  membership: {
    conversationId: string;
    change: "added" | "removed" | "left" | "device-added" | "device-removed";
    usernames: string[];
    deviceIds: string[];
    by: string | null;
  };
  /** We were removed from a conversation (or left it): nothing more can be read there. */
  removed: { conversationId: string };
  /** A contact's account key changed: sending to them is blocked until re-verified. */
  "key-changed": { username: string };
  /** A message or commit could not be processed; it is recorded, never silently dropped. */
  undecryptable: { conversationId: string; seq: number; reason: string };
  /** Something looks wrong cryptographically (e.g. a device of a stranger joined). */
  security: { conversationId: string; message: string };
  connection: { state: ConnectionState; detail?: string };
  /** The server ended our session (logout elsewhere, device revoked, expiry). */
  "session-ended": { code: string };
  error: { message: string; code?: string };
}

type Listener<T> = (payload: T) => void;

/** A small typed event emitter that works in Node and browsers. */
export class Emitter<E extends object> {
  private readonly listeners = new Map<keyof E, Set<Listener<never>>>();

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => set.delete(fn as Listener<never>);
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        (fn as Listener<E[K]>)(payload);
      } catch {
        // A faulty listener must not break message processing.
      }
    }
  }
}
