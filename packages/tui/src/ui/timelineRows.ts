/**
 * Turns a timeline into screen rows for a given width: day separators, times, wrapped text with a
 * hanging indent, and the delivery mark of our own messages. Rows are measured in terminal cells,
 * so the pane can scroll by rows and nothing wraps behind our back.
 */
import { cellWidth, wrap } from "../text/width.js";
import type { TimelineItem } from "../model/types.js";
import { toneColor, userColor } from "./theme.js";

export interface Segment {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}
export type Row = { key: string; segments: Segment[] };

const pad2 = (n: number) => String(n).padStart(2, "0");
export const clock = (t: number) => {
  const d = new Date(t);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
};
const dayKey = (t: number) => new Date(t).toDateString();
export const dayLabel = (t: number) =>
  new Date(t).toLocaleDateString("en-GB", { weekday: "long", day: "numeric", month: "long", year: "numeric" });

/** What our own message's mark says: sending…, sent ✓, delivered ✓✓, read ✓✓ (in colour). */
export function stateMark(state: string): Segment {
  switch (state) {
    case "sending":
      return { text: " …sending", dim: true };
    case "sent":
      return { text: " ✓", dim: true };
    case "delivered":
      return { text: " ✓✓", dim: true };
    case "read":
      return { text: " ✓✓read", color: "cyan" };
    case "failed":
      return { text: " ✗ not sent", color: "red" };
    default:
      return { text: "" };
  }
}

export function timelineRows(items: TimelineItem[], width: number): Row[] {
  const rows: Row[] = [];
  let lastDay = "";
  const indent = 6; // "HH:MM "
  for (const item of items) {
    const day = dayKey(item.at);
    if (day !== lastDay) {
      lastDay = day;
      const label = ` ${dayLabel(item.at)} `;
      const side = Math.max(1, Math.floor((width - cellWidth(label)) / 2));
      rows.push({ key: `day-${day}-${item.id}`, segments: [{ text: "─".repeat(side) + label + "─".repeat(Math.max(1, width - side - cellWidth(label))), dim: true }] });
    }
    if (item.kind === "event") {
      const lines = wrap(`* ${item.text}`, width - indent);
      lines.forEach((l, i) =>
        rows.push({ key: `${item.id}-${i}`, segments: [{ text: i === 0 ? `${clock(item.at)} ` : " ".repeat(indent), dim: true }, { text: l, color: toneColor[item.tone], bold: item.tone === "danger" }] }),
      );
      continue;
    }
    const sender = `${item.sender}: `;
    const mark = item.direction === "out" ? stateMark(item.state) : { text: "" };
    const firstWidth = width - indent - cellWidth(sender);
    // The first line starts after the sender's name; later lines use the full indent.
    const firstLines = wrap(item.text, Math.max(8, firstWidth));
    const head = firstLines[0] ?? "";
    const rest = firstLines.length > 1 ? wrap(item.text.slice(textOffset(item.text, head)), width - indent) : [];
    const all = [head, ...rest.filter((l, i) => l !== "" || i < rest.length - 1)];
    all.forEach((l, i) => {
      const segs: Segment[] =
        i === 0
          ? [{ text: `${clock(item.at)} `, dim: true }, { text: sender, color: userColor(item.sender), bold: true }, { text: l }]
          : [{ text: " ".repeat(indent) }, { text: l }];
      rows.push({ key: `${item.id}-${i}`, segments: segs });
    });
    if (mark.text) {
      const lastRow = rows[rows.length - 1]!;
      const used = lastRow.segments.reduce((n, s) => n + cellWidth(s.text), 0);
      if (used + cellWidth(mark.text) <= width) lastRow.segments.push(mark);
      else rows.push({ key: `${item.id}-mark`, segments: [{ text: " ".repeat(indent) }, mark] });
    }
  }
  return rows;
}

/** Where the rest of the text starts after the first wrapped line (skipping the break's spaces). */
function textOffset(text: string, firstLine: string): number {
  let i = firstLine.length;
  while (text[i] === " ") i++;
  if (text[i] === "\n") i++;
  return i;
}
