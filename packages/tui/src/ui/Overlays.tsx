// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { Box, Text } from "ink";
import { COMMANDS } from "../model/commands.js";
import { cellWidth, fit, truncate } from "../text/width.js";
import type { Overlay, SafetyView } from "../model/types.js";

const KEYS: Array<[string, string]> = [
  ["Enter", "send"],
  ["Alt-Enter", "new line"],
  ["Up/Down", "input history"],
  ["Tab, Ctrl-N / Ctrl-P", "next / previous conversation"],
  ["Alt-1 … Alt-9", "conversation by number"],
  ["PageUp / PageDown", "scroll"],
  ["Tab after /", "complete a command or name"],
  ["Ctrl-C or /quit", "quit"],
];

function Help(props: { width: number }) {
  return (
    <Box flexDirection="column">
      <Text bold>Keys</Text>
      {KEYS.map(([k, v]) => (
        <Text key={k}>
          <Text color="cyan">{fit(`  ${k}`, 24)}</Text>
          {truncate(v, props.width - 24)}
        </Text>
      ))}
      <Text bold>Commands</Text>
      {COMMANDS.map((c) => (
        <Text key={c.name}>{truncate(`  /${c.name}${c.args ? ` ${c.args}` : ""} — ${c.summary}`, props.width)}</Text>
      ))}
      <Text dimColor>Marks: … sending  ✓ sent  ✓✓ delivered  ✓✓read read. Esc closes.</Text>
    </Box>
  );
}

function Devices(props: { lines: string[]; width: number }) {
  return (
    <Box flexDirection="column">
      <Text bold>Your devices</Text>
      {props.lines.map((l, i) => (
        <Text key={i}>{truncate(l, props.width)}</Text>
      ))}
      <Text dimColor>{truncate("Revoke a lost device with 'parley devices revoke ID'. Esc closes.", props.width)}</Text>
    </Box>
  );
}

/** Safety number as digits beside (or, when narrow, under) a QR code of the same number. */
function Verify(props: { safety: SafetyView; width: number; height: number }) {
  const s = props.safety;
  const qrLines = s.qr.replace(/\n+$/, "").split("\n");
  const qrWidth = Math.max(...qrLines.map((l) => cellWidth(l)));
  const side = props.width >= qrWidth + 32;
  const showQr = qrLines.length <= props.height - (side ? 2 : 9);
  const rows = [s.groups.slice(0, 4), s.groups.slice(4, 8), s.groups.slice(8, 12)].map((g) => g.join(" "));
  const status = s.changed ? (
    <Text color="red" bold>
      ⚠ {s.username}'s key CHANGED
    </Text>
  ) : s.verified ? (
    <Text color="green" bold>
      ✓ {s.username} is verified
    </Text>
  ) : (
    <Text color="yellow">not verified yet</Text>
  );
  const info = (
    <Box flexDirection="column" marginLeft={side ? 2 : 0}>
      <Text bold>Safety number with {s.username}</Text>
      <Text> </Text>
      {rows.map((r) => (
        <Text key={r} bold color="cyan">
          {r}
        </Text>
      ))}
      <Text> </Text>
      {status}
      <Text>Compare these digits with {s.username}'s</Text>
      <Text>screen, or scan the code.</Text>
      <Text>
        <Text color="cyan">v</Text> they match: mark verified
      </Text>
      <Text>
        <Text color="cyan">Esc</Text> close
      </Text>
    </Box>
  );
  return (
    <Box flexDirection={side ? "row" : "column"}>
      {showQr ? (
        <Box flexDirection="column">
          {qrLines.map((l, i) => (
            <Text key={i}>{l}</Text>
          ))}
        </Box>
      ) : null}
      {info}
    </Box>
  );
}

function KeyChanged(props: { username: string; width: number }) {
  const u = props.username;
  return (
    <Box flexDirection="column" borderStyle="double" borderColor="red" paddingX={1} width={props.width}>
      <Text color="red" bold>
        ⚠ {u}'s account key has changed
      </Text>
      <Text> </Text>
      <Text wrap="wrap">
        The server presented a different identity key for {u}. This happens when {u} re-created the account, or when
        someone is trying to read your messages by posing as {u}.
      </Text>
      <Text> </Text>
      <Text wrap="wrap">Sending to {u} is blocked until you compare safety numbers</Text>
      <Text wrap="wrap">(in person or on a call) and mark {u} verified.</Text>
      <Text> </Text>
      <Text>
        <Text color="cyan">v</Text> show the new safety number  <Text color="cyan">Esc</Text> decide later
      </Text>
    </Box>
  );
}

export function OverlayView(props: { overlay: Overlay; width: number; height: number }) {
  const o = props.overlay;
  switch (o.kind) {
    case "help":
      return <Help width={props.width} />;
    case "devices":
      return <Devices lines={o.lines} width={props.width} />;
    case "verify":
      return <Verify safety={o.safety} width={props.width} height={props.height} />;
    case "key-changed":
      return <KeyChanged username={o.username} width={props.width} />;
  }
}
