// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { Box, Text } from "ink";
import { cellWidth, graphemes } from "../text/width.js";
import type { ComposerState } from "../model/composer.js";

export const COMPOSER_MAX_ROWS = 4;

interface VisualLine {
  /** Index (in graphemes of the whole text) of this line's first grapheme. */
  start: number;
  chars: string[];
}

/**
 * Hard-wraps the composer text by cells (one cell kept free for the cursor), remembering where each
 * visual line starts so the cursor can be drawn exactly where the next character will go.
 */
export function layoutComposer(text: string, width: number): VisualLine[] {
  const w = Math.max(2, width - 1);
  const all = graphemes(text);
  const out: VisualLine[] = [];
  let line: VisualLine = { start: 0, chars: [] };
  let used = 0;
  all.forEach((g, i) => {
    if (g === "\n") {
      out.push(line);
      line = { start: i + 1, chars: [] };
      used = 0;
      return;
    }
    const gw = cellWidth(g);
    if (used + gw > w) {
      out.push(line);
      line = { start: i, chars: [] };
      used = 0;
    }
    line.chars.push(g);
    used += gw;
  });
  out.push(line);
  return out;
}

/** Rows the composer needs for its text (1 to COMPOSER_MAX_ROWS). */
export function composerRows(text: string, width: number): number {
  return Math.min(COMPOSER_MAX_ROWS, layoutComposer(text, width - 2).length);
}

/** The input line(s) with a visible cursor; long input scrolls to keep the cursor in view. */
export function ComposerView(props: { state: ComposerState; width: number; placeholder: string }) {
  const inner = Math.max(2, props.width - 2);
  if (!props.state.text) {
    return (
      <Box>
        <Text color="cyan">{"› "}</Text>
        <Text inverse> </Text>
        <Text dimColor>{props.placeholder.slice(0, inner - 1)}</Text>
      </Box>
    );
  }
  const lines = layoutComposer(props.state.text, inner);
  const cursor = props.state.cursor;
  // The cursor belongs to the last line that starts at or before it.
  let cursorLine = 0;
  lines.forEach((l, i) => {
    if (l.start <= cursor) cursorLine = i;
  });
  const first = Math.max(0, Math.min(cursorLine - COMPOSER_MAX_ROWS + 1, lines.length - COMPOSER_MAX_ROWS));
  return (
    <Box flexDirection="column">
      {lines.slice(first, first + COMPOSER_MAX_ROWS).map((l, k) => {
        const i = first + k;
        const prefix = i === 0 ? "› " : "  ";
        if (i !== cursorLine) {
          return (
            <Text key={i}>
              <Text color="cyan">{prefix}</Text>
              {l.chars.join("")}
            </Text>
          );
        }
        const col = cursor - l.start;
        return (
          <Text key={i}>
            <Text color="cyan">{prefix}</Text>
            {l.chars.slice(0, col).join("")}
            <Text inverse>{l.chars[col] ?? " "}</Text>
            {l.chars.slice(col + 1).join("")}
          </Text>
        );
      })}
    </Box>
  );
}
