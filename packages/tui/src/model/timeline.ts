import type { ClientEvents, StoredMessage, MessageState } from "@parley/client";
import { sanitize } from "../text/width.js";
import type { TimelineItem } from "./types.js";

/** How a message's payload reads in the timeline (and in the conversation list). */
export function envelopeText(e: StoredMessage["envelope"]): string {
  switch (e.kind) {
    case "text":
    case "reply":
      return sanitize(e.text);
    case "edit":
      return `${sanitize(e.text)} (edited)`;
    case "delete":
      return "(message deleted)";
    case "reaction":
      return `reacted ${sanitize(e.emoji)}`;
    case "unsupported":
      return `[unsupported message: ${sanitize(e.originalKind)} — update Parley to see it]`;
    default:
      return `[${e.kind}]`;
  }
}

export function fromStored(m: StoredMessage): TimelineItem {
  return { kind: "message", id: m.messageId, seq: m.seq, sender: m.senderUser, at: m.sentAt, text: envelopeText(m.envelope), direction: m.direction, state: m.state };
}

export function fromEvent(m: ClientEvents["message"]): TimelineItem {
  return {
    kind: "message",
    id: m.messageId,
    seq: m.seq,
    sender: m.sender.username,
    at: m.sentAt,
    text: envelopeText(m.envelope),
    direction: m.direction,
    state: m.direction === "out" ? "sent" : "received",
  };
}

const RANK: Record<MessageState | "failed", number> = { failed: -1, sending: 0, sent: 1, received: 1, delivered: 2, read: 3 };

/** Receipts may arrive out of order (a late "delivered" after "read"): a state only moves forward. */
export function advance(current: MessageState | "failed", next: MessageState): MessageState | "failed" {
  return RANK[next] > RANK[current] ? next : current;
}

/** Adds an item unless one with the same id is there; keeps messages ordered by sequence number. */
export function insert(list: TimelineItem[], item: TimelineItem): TimelineItem[] {
  if (list.some((i) => i.id === item.id)) return list;
  return [...list, item];
}
