import type { TimelineItem } from "../app/types.js";

const STATE_TEXT = { sending: "Sending", sent: "Sent", delivered: "Delivered", read: "Read", received: "" } as const;

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function MessageLine({ item }: { item: Extract<TimelineItem, { type: "message" }> }) {
  const mine = item.direction === "out";
  return (
    <li class={`message ${mine ? "out" : "in"}`} data-message-id={item.messageId}>
      <div class="meta">
        <span class="sender">{mine ? "You" : item.sender}</span>{" "}
        <time dateTime={new Date(item.sentAt).toISOString()}>{time(item.sentAt)}</time>
      </div>
      <div class="text">{item.text}</div>
      {mine && (
        <div class={`state state-${item.state}`} data-state={item.state}>
          {STATE_TEXT[item.state]}
        </div>
      )}
    </li>
  );
}
