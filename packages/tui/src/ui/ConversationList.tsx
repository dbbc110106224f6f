// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { Box, Text } from "ink";
import { fit, truncate } from "../text/width.js";
import type { ConversationView } from "../model/types.js";

/** The left column: numbered conversations, unread counts and each one's last message. */
export function ConversationList(props: { conversations: ConversationView[]; activeId: string | null; width: number; height: number; typing: Record<string, string[]> }) {
  const { width } = props;
  const perItem = 2;
  const visible = Math.max(1, Math.floor((props.height - 1) / perItem));
  const activeIndex = props.conversations.findIndex((c) => c.id === props.activeId);
  const start = Math.max(0, Math.min(activeIndex - visible + 1, props.conversations.length - visible));
  const shown = props.conversations.slice(Math.max(0, start), Math.max(0, start) + visible);
  return (
    <Box flexDirection="column" width={width} height={props.height}>
      <Text bold>{fit(" Conversations", width)}</Text>
      {props.conversations.length === 0 ? (
        <Text dimColor>{fit(" none yet: /dm USER", width)}</Text>
      ) : (
        shown.map((c) => {
          const n = props.conversations.indexOf(c) + 1;
          const active = c.id === props.activeId;
          const unread = c.unread > 0 ? ` ${c.unread > 99 ? "99+" : c.unread}` : "";
          const label = `${n <= 9 ? n : " "} ${c.title}${c.closed ? " (left)" : ""}`;
          const typing = props.typing[c.id]?.length ? `${props.typing[c.id]!.join(", ")} typing…` : null;
          const preview = typing ?? (c.last ? `${c.last.sender}: ${c.last.text.replace(/\n/g, " ")}` : "no messages yet");
          return (
            <Box key={c.id} flexDirection="column">
              <Text inverse={active} bold={c.unread > 0}>
                {fit(label, width - unread.length - 1)}
                <Text color="green" bold>
                  {unread}
                </Text>
                {" "}
              </Text>
              <Text dimColor={!typing} color={typing ? "green" : undefined} italic={!!typing}>
                {fit(`  ${truncate(preview, width - 3)}`, width)}
              </Text>
            </Box>
          );
        })
      )}
    </Box>
  );
}
