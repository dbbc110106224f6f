// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { Box, Text } from "ink";
import { fit, truncate } from "../text/width.js";
import type { ChatState } from "../model/types.js";

const LABEL: Record<string, { text: string; color: string }> = {
  online: { text: "● online", color: "green" },
  connecting: { text: "◌ connecting", color: "yellow" },
  offline: { text: "○ offline, reconnecting", color: "red" },
  closed: { text: "○ closed", color: "red" },
};

/** The bottom line: connection state, server, user and device — always visible. */
export function StatusBar(props: { state: Pick<ChatState, "connection" | "server" | "me" | "settings">; width: number }) {
  const { connection, server, me, settings } = props.state;
  const label = LABEL[connection.state] ?? LABEL.offline!;
  const who = ` ${me.username} · device ${me.deviceId.slice(0, 8)} `;
  const flags = `${settings.typing ? "" : " typing:off"}${settings.receipts ? "" : " receipts:off"}`;
  const left = ` ${label.text} `;
  const rest = Math.max(0, props.width - left.length - who.length);
  return (
    <Box width={props.width}>
      <Text backgroundColor={label.color} color="black" bold>
        {left}
      </Text>
      <Text inverse>{fit(` ${truncate(server, Math.max(0, rest - flags.length - 2))}${flags}`, rest)}</Text>
      <Text backgroundColor="blue" color="white">
        {who}
      </Text>
    </Box>
  );
}
