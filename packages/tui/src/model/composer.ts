/**
 * The composer's text editing as a pure function of (state, key), so every key binding is testable
 * without a terminal. Enter sends; Alt-Enter inserts a newline; Up/Down walk the input history when
 * the cursor is on the first/last line.
 */
import { graphemes } from "../text/width.js";

export interface ComposerState {
  text: string;
  /** Cursor position as an index into graphemes(text). */
  cursor: number;
  history: string[];
  /** Position while browsing history (history.length = not browsing). */
  historyIndex: number;
  /** What was typed before history browsing started. */
  draft: string;
}

export const emptyComposer = (history: string[] = []): ComposerState => ({ text: "", cursor: 0, history, historyIndex: history.length, draft: "" });

export interface KeyInfo {
  return?: boolean;
  meta?: boolean;
  ctrl?: boolean;
  backspace?: boolean;
  delete?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  upArrow?: boolean;
  downArrow?: boolean;
  home?: boolean;
  end?: boolean;
}

export type ComposerResult = { state: ComposerState; submit?: string };

const HISTORY_LIMIT = 100;

function withText(s: ComposerState, chars: string[], cursor: number): ComposerState {
  return { ...s, text: chars.join(""), cursor: Math.max(0, Math.min(cursor, chars.length)) };
}

/** The cursor's line and column (in graphemes) within the text. */
export function cursorLine(s: ComposerState): { line: number; col: number; lines: number } {
  const before = graphemes(s.text).slice(0, s.cursor).join("");
  const parts = before.split("\n");
  return { line: parts.length - 1, col: graphemes(parts[parts.length - 1] ?? "").length, lines: s.text.split("\n").length };
}

export function composerKey(s: ComposerState, input: string, key: KeyInfo): ComposerResult {
  const chars = graphemes(s.text);
  if (key.return && key.meta) return { state: withText(s, [...chars.slice(0, s.cursor), "\n", ...chars.slice(s.cursor)], s.cursor + 1) };
  if (key.return) {
    const line = s.text;
    if (!line.trim()) return { state: s };
    const history = [...s.history.filter((h) => h !== line), line].slice(-HISTORY_LIMIT);
    return { state: emptyComposer(history), submit: line };
  }
  // Most terminals send DEL (0x7f) for the Backspace key, which ink reports as "delete".
  if (key.backspace || key.delete) {
    if (s.cursor === 0) return { state: s };
    return { state: withText(s, [...chars.slice(0, s.cursor - 1), ...chars.slice(s.cursor)], s.cursor - 1) };
  }
  if (key.leftArrow) return { state: { ...s, cursor: Math.max(0, s.cursor - 1) } };
  if (key.rightArrow) return { state: { ...s, cursor: Math.min(chars.length, s.cursor + 1) } };
  if (key.home || (key.ctrl && input === "a")) return { state: { ...s, cursor: lineStart(chars, s.cursor) } };
  if (key.end || (key.ctrl && input === "e")) return { state: { ...s, cursor: lineEnd(chars, s.cursor) } };
  if (key.ctrl && input === "u") return { state: withText(s, chars.slice(s.cursor), 0) };
  if (key.ctrl && input === "k") return { state: withText(s, chars.slice(0, s.cursor), s.cursor) };
  if (key.ctrl && input === "w") {
    let i = s.cursor;
    while (i > 0 && chars[i - 1] === " ") i--;
    while (i > 0 && chars[i - 1] !== " " && chars[i - 1] !== "\n") i--;
    return { state: withText(s, [...chars.slice(0, i), ...chars.slice(s.cursor)], i) };
  }
  if (key.upArrow || key.downArrow) {
    const pos = cursorLine(s);
    if (key.upArrow && pos.line > 0) return { state: moveLine(s, chars, -1) };
    if (key.downArrow && pos.line < pos.lines - 1) return { state: moveLine(s, chars, +1) };
    return { state: browseHistory(s, key.upArrow ? -1 : +1) };
  }
  if (key.ctrl || key.meta || !input) return { state: s };
  // Pasted text (ui/keys.ts splits typed chunks before they get here): line breaks stay newlines.
  const added = graphemes(input.replace(/\r\n?/g, "\n"));
  return { state: withText(s, [...chars.slice(0, s.cursor), ...added, ...chars.slice(s.cursor)], s.cursor + added.length) };
}

function lineStart(chars: string[], cursor: number): number {
  let i = cursor;
  while (i > 0 && chars[i - 1] !== "\n") i--;
  return i;
}

function lineEnd(chars: string[], cursor: number): number {
  let i = cursor;
  while (i < chars.length && chars[i] !== "\n") i++;
  return i;
}

function moveLine(s: ComposerState, chars: string[], dir: -1 | 1): ComposerState {
  const start = lineStart(chars, s.cursor);
  const col = s.cursor - start;
  if (dir < 0) {
    const prevStart = lineStart(chars, start - 1);
    return { ...s, cursor: Math.min(prevStart + col, start - 1) };
  }
  const nextStart = lineEnd(chars, s.cursor) + 1;
  return { ...s, cursor: Math.min(nextStart + col, lineEnd(chars, nextStart)) };
}

function browseHistory(s: ComposerState, dir: -1 | 1): ComposerState {
  const index = Math.max(0, Math.min(s.history.length, s.historyIndex + dir));
  if (index === s.historyIndex) return s;
  const draft = s.historyIndex === s.history.length ? s.text : s.draft;
  const text = index === s.history.length ? draft : s.history[index]!;
  return { ...s, text, cursor: graphemes(text).length, historyIndex: index, draft };
}

/** Replaces the whole text (completion), cursor at the end. */
export function setText(s: ComposerState, text: string): ComposerState {
  return { ...s, text, cursor: graphemes(text).length };
}
