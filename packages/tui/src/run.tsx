// @jsxRuntime automatic (tsx runs tests on these sources with the root tsconfig, which sets no jsx mode)
import { render } from "ink";
import QRCode from "qrcode";
import type { ParleyClient } from "@parley/client";
import type { ChatHost } from "./host.js";
import { App } from "./ui/App.js";

export interface RunChatOptions {
  /** Start with typing indicators / receipts off (each can be switched in the UI too). */
  typing?: boolean;
  receipts?: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
}

/** QR code in Unicode half blocks: a safety number fits in 17 rows. */
export function renderQr(payload: string): Promise<string> {
  return QRCode.toString(payload, { type: "terminal", small: true, errorCorrectionLevel: "M" });
}

// Alternate screen (the shell's screen comes back untouched) and bracketed paste (so a pasted
// line break is a newline in the message, not Enter).
const ALT_SCREEN_ON = "\x1b[?1049h\x1b[H\x1b[?2004h";
const ALT_SCREEN_OFF = "\x1b[?2004l\x1b[?1049l";

/**
 * Runs `parley chat` until the user quits (Ctrl-C, /quit) or a signal arrives, then closes the
 * client and gives the terminal back as it was: main screen, cursor shown, raw mode off.
 */
export async function runChat(host: ChatHost, opts: RunChatOptions = {}): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const stdin = opts.stdin ?? process.stdin;
  if (!stdin.isTTY || !stdout.isTTY) throw new Error("parley chat needs a terminal; for scripts use 'parley send' and 'parley read --follow'");
  // Raw mode at once, not when the first component mounts: keys typed meanwhile would otherwise
  // meet the line discipline (echoed over the screen, Ctrl-R/Ctrl-W eaten, Enter turned into LF).
  stdin.setRawMode(true);
  stdout.write(ALT_SCREEN_ON);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(`${ALT_SCREEN_OFF}\x1b[?25h`);
  };
  // Whatever happens, the user must not be left in the alternate screen with a hidden cursor.
  process.once("exit", restore);
  let finish!: (c: ParleyClient | undefined) => void;
  const exited = new Promise<ParleyClient | undefined>((r) => (finish = r));
  const onSignal = () => finish(undefined);
  process.once("SIGTERM", onSignal);
  process.once("SIGHUP", onSignal);
  const settings = { ...(opts.typing === false ? { typing: false } : {}), ...(opts.receipts === false ? { receipts: false } : {}) };
  const app = render(<App host={host} renderQr={renderQr} onExit={(c) => finish(c)} settings={settings} />, {
    stdout,
    stdin,
    exitOnCtrlC: false,
    patchConsole: true,
  });
  const client = await exited;
  app.unmount();
  app.cleanup();
  restore();
  stdin.setRawMode(false);
  process.off("SIGTERM", onSignal);
  process.off("SIGHUP", onSignal);
  await client?.close().catch(() => undefined);
}
