// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { useMemo } from "react";
import { Box, Text } from "ink";
import { fit } from "../text/width.js";
import { timelineRows } from "./timelineRows.js";
import type { TimelineItem } from "../model/types.js";

/**
 * The open conversation's messages, bottom-anchored. `scroll` counts rows up from the newest;
 * the caller clamps it with maxScroll().
 */
export function MessagePane(props: { items: TimelineItem[]; width: number; height: number; scroll: number }) {
  // Wrapping every message is the costly part of a frame; a key typed in the composer must not redo it.
  const rows = useMemo(() => timelineRows(props.items, props.width), [props.items, props.width]);
  const scroll = Math.min(props.scroll, Math.max(0, rows.length - props.height));
  const end = rows.length - scroll;
  const start = Math.max(0, end - props.height);
  const shown = rows.slice(start, end);
  const more = scroll > 0 ? `↓ ${scroll} more row${scroll === 1 ? "" : "s"} below (PageDown)` : null;
  if (more && shown.length) shown[shown.length - 1] = { key: "more", segments: [{ text: more, color: "yellow" }] };
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      {shown.length === 0 ? <Text dimColor>{fit("No messages yet. Say hello!", props.width)}</Text> : null}
      {shown.map((r) => (
        <Text key={r.key} wrap="truncate-end">
          {r.segments.map((s, i) => (
            <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim}>
              {s.text}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}

/** How far the pane can scroll up for these items at this size. */
export function maxScroll(items: TimelineItem[], width: number, height: number): number {
  return Math.max(0, timelineRows(items, width).length - height);
}
