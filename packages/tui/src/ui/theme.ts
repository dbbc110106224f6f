import type { Tone } from "../model/types.js";

export const toneColor: Record<Tone, string> = { info: "gray", ok: "green", warn: "yellow", danger: "red" };

const PALETTE = ["cyan", "magenta", "blue", "yellow", "green", "redBright", "cyanBright", "magentaBright"];

/** A stable colour per username, so a conversation is easy to scan. */
export function userColor(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}
