/** Slash commands: their help, parsing and Tab completion. */
export interface CommandSpec {
  name: string;
  args: string;
  summary: string;
  /** Which argument positions take a username (for completion). */
  userArgs?: "all" | "first" | "after-first";
}

export const COMMANDS: CommandSpec[] = [
  { name: "dm", args: "USER", summary: "open (or start) the 1:1 conversation with USER", userArgs: "first" },
  { name: "group", args: "create NAME USER…", summary: "create a group with these users", userArgs: "after-first" },
  { name: "add", args: "USER", summary: "add USER to this group", userArgs: "first" },
  { name: "remove", args: "USER", summary: "remove USER from this group", userArgs: "first" },
  { name: "leave", args: "", summary: "leave this conversation" },
  { name: "devices", args: "", summary: "list your account's devices" },
  { name: "verify", args: "[USER]", summary: "show the safety number (digits and QR code) and mark USER verified", userArgs: "first" },
  { name: "trust", args: "USER", summary: "accept USER's changed key (after comparing safety numbers)", userArgs: "first" },
  { name: "typing", args: "on|off", summary: "send typing indicators (inside MLS; default on)" },
  { name: "receipts", args: "on|off", summary: "send delivery and read receipts (inside MLS; default on)" },
  { name: "help", args: "", summary: "keys and commands" },
  { name: "quit", args: "", summary: "leave parley chat (Ctrl-C does too)" },
];

export type Parsed = { kind: "command"; name: string; args: string[] } | { kind: "unknown"; name: string } | { kind: "text"; text: string };

/** A line starting with "/" is a command, except "//…", which sends a message starting with "/". */
export function parseInput(line: string): Parsed {
  if (!line.startsWith("/") || line.startsWith("//")) return { kind: "text", text: line.startsWith("//") ? line.slice(1) : line };
  const [head, ...args] = line.slice(1).trim().split(/\s+/);
  const name = (head ?? "").toLowerCase();
  if (!COMMANDS.some((c) => c.name === name)) return { kind: "unknown", name };
  return { kind: "command", name, args: args.filter(Boolean) };
}

function commonPrefix(words: string[]): string {
  if (!words.length) return "";
  let p = words[0]!;
  for (const w of words) while (!w.startsWith(p)) p = p.slice(0, -1);
  return p;
}

export interface Completion {
  /** The new input (unchanged when nothing could be completed). */
  text: string;
  /** What could follow, to show under the composer. */
  candidates: string[];
}

/**
 * Completes the last word of a slash command: the command name, or a username where the command
 * takes one. A unique match is completed with a space after it.
 */
export function complete(input: string, usernames: string[]): Completion | null {
  if (!input.startsWith("/") || input.includes("\n")) return null;
  const words = input.slice(1).split(" ");
  const last = words[words.length - 1] ?? "";
  let pool: string[];
  if (words.length === 1) {
    pool = COMMANDS.map((c) => c.name);
  } else {
    const spec = COMMANDS.find((c) => c.name === words[0]);
    const pos = words.length - 2;
    const takesUser = spec?.userArgs === "all" || (spec?.userArgs === "first" && pos === 0) || (spec?.userArgs === "after-first" && pos >= 2);
    if (spec?.name === "group" && pos === 0) pool = ["create"];
    else if (spec?.name === "typing" || spec?.name === "receipts") pool = pos === 0 ? ["on", "off"] : [];
    else pool = takesUser ? usernames : [];
  }
  const matches = [...new Set(pool)].filter((w) => w.startsWith(last)).sort();
  if (!matches.length) return { text: input, candidates: [] };
  const head = input.slice(0, input.length - last.length);
  if (matches.length === 1) return { text: `${head}${matches[0]} `, candidates: matches };
  return { text: head + commonPrefix(matches), candidates: matches };
}

/** The hint under the composer while a command is being typed. */
export function hint(input: string): string | null {
  if (!input.startsWith("/") || input.startsWith("//")) return null;
  const name = input.slice(1).split(" ")[0] ?? "";
  const exact = COMMANDS.find((c) => c.name === name);
  if (exact && input.includes(" ")) return `/${exact.name} ${exact.args} — ${exact.summary}`;
  const matches = COMMANDS.filter((c) => c.name.startsWith(name));
  if (!matches.length) return `no command /${name} — /help lists them`;
  return matches.map((c) => `/${c.name}`).join("  ");
}
