import type { Key } from "ink";

/**
 * Ink hands over whatever arrived in one read. Fast typing, a slow link or `tmux send-keys` can
 * deliver "hello⏎" or "/gr⇥" as one chunk; outside a bracketed paste those are separate keys, so
 * the chunk is split at Enter, Tab and Backspace and each part handled on its own.
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  if (input.length <= 1 || !/[\r\n\t\x7f\b]/.test(input)) return [[input, key]];
  const out: Array<[string, Key]> = [];
  for (const part of input.split(/([\r\n\t\x7f\b])/)) {
    if (!part) continue;
    if (part === "\r" || part === "\n") out.push(["", { ...key, return: true }]);
    else if (part === "\t") out.push(["", { ...key, tab: true }]);
    else if (part === "\x7f" || part === "\b") out.push(["", { ...key, backspace: true }]);
    else out.push([part, key]);
  }
  return out;
}

/** Bracketed paste markers (the terminal wraps pasted text in them once we ask with ?2004h). */
export const PASTE_START = "[200~";
export const PASTE_END = "[201~";
