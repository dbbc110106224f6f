// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { Box, Text, useInput } from "ink";

/** A full screen for one failure: what happened, what it means, what the user can do. */
export function ProblemScreen(props: { title: string; lines: string[]; actions: Array<[string, string]>; tone?: "red" | "yellow"; onKey?: (input: string, key: { return: boolean; escape: boolean }) => void; onQuit: () => void }) {
  useInput((input, key) => {
    if (key.ctrl && input === "c") return props.onQuit();
    props.onKey?.(input, key);
  });
  const color = props.tone ?? "red";
  return (
    <Box flexDirection="column" paddingX={2} paddingY={1}>
      <Box borderStyle="double" borderColor={color} flexDirection="column" paddingX={1}>
        <Text color={color} bold>
          {props.title}
        </Text>
        <Text> </Text>
        {props.lines.map((l, i) => (
          <Text key={i} wrap="wrap">
            {l}
          </Text>
        ))}
        <Text> </Text>
        {props.actions.map(([k, v]) => (
          <Text key={k}>
            <Text color="cyan" bold>
              {k.padEnd(8)}
            </Text>
            {v}
          </Text>
        ))}
      </Box>
    </Box>
  );
}
