import type { Envelope, MessageState, StoredMessage } from "@parley/client";
import type { TimelineItem } from "./types.js";

const RANK: Record<MessageState, number> = { sending: 0, sent: 1, received: 1, delivered: 2, read: 3 };

/** Delivery state only moves forward: a late "delivered" receipt must not undo "read". */
export function laterState(a: MessageState, b: MessageState): MessageState {
  return RANK[b] > RANK[a] ? b : a;
}

/** What a message shows as text; kinds this app cannot display are named, never dropped. */
export function envelopeText(e: Envelope): string {
  switch (e.kind) {
    case "text":
    case "reply":
      return e.text;
    case "edit":
      return `${e.text} (edited)`;
    case "delete":
      return "(a message was deleted)";
    case "reaction":
      return `reacted ${e.emoji}`;
    case "receipt":
    case "typing":
      return "";
    case "unsupported":
      return `(unsupported message of kind "${e.originalKind}")`;
  }
}

export function messageItem(m: Pick<StoredMessage, "messageId" | "seq" | "senderUser" | "sentAt" | "direction" | "state" | "envelope">): TimelineItem {
  return {
    type: "message",
    key: `m:${m.messageId}`,
    messageId: m.messageId,
    seq: m.seq,
    sender: m.senderUser,
    sentAt: m.sentAt,
    direction: m.direction,
    state: m.state,
    text: envelopeText(m.envelope),
  };
}

/** Messages in log order, with this session's notices placed by time between them. */
export function mergeTimeline(messages: TimelineItem[], notices: TimelineItem[]): TimelineItem[] {
  const msgs = messages.filter((m) => m.type === "message").sort((a, b) => (a.type === "message" && b.type === "message" ? a.seq - b.seq : 0));
  const pending = [...notices].sort((a, b) => time(a) - time(b));
  const out: TimelineItem[] = [];
  for (const m of msgs) {
    while (pending.length && time(pending[0]!) <= time(m)) out.push(pending.shift()!);
    out.push(m);
  }
  return [...out, ...pending];
}

function time(i: TimelineItem): number {
  return i.type === "message" ? i.sentAt : i.at;
}
