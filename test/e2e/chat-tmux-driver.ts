/**
 * Drives real `parley chat` processes in tmux: each runs in its own session of a private tmux
 * server, at a fixed size, and the test reads the screen with capture-pane and types with
 * send-keys — what a person at a terminal sees and does, nothing in between.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CLI } from "./harness.js";

export class Tmux {
  /** A private tmux server (socket name), so tests never touch a user's own tmux. */
  readonly socket = `parley-e2e-${process.pid}`;

  private tmux(args: string[]): string {
    // tmux measures characters with the C library's wcwidth, which needs a UTF-8 locale: CI
    // machines often have none set, and then every emoji and ideograph would be mis-measured.
    return execFileSync("tmux", ["-u", "-L", this.socket, ...args], { encoding: "utf8", env: { ...process.env, LC_ALL: "C.UTF-8" } });
  }

  /**
   * Starts `parley chat` in a new session. When it exits, the pane prints the exit code and the
   * terminal's mode (stty), so a test can check the terminal was given back in a sane state.
   */
  startChat(name: string, opts: { server: string; profile: string; columns?: number; rows?: number; args?: string[] }): void {
    const chat = [process.execPath, CLI, "chat", "--server", opts.server, "--profile", opts.profile, ...(opts.args ?? [])].map(shellQuote).join(" ");
    const script = `${chat}; echo "EXITED:$?"; stty -a | tr '\\n' ' '; echo; echo "STTY-END"; exec sleep 600`;
    this.tmux(["new-session", "-d", "-s", name, "-x", String(opts.columns ?? 80), "-y", String(opts.rows ?? 24), "-e", "TZ=UTC", "-e", "LANG=C.UTF-8", "sh", "-c", script]);
  }

  /** The screen as text (what capture-pane shows), optionally with colours as escape codes. */
  capture(name: string, opts: { ansi?: boolean } = {}): string {
    return this.tmux(["capture-pane", "-p", ...(opts.ansi ? ["-e"] : []), "-t", name]);
  }

  /** Types text literally (no key names), then optionally presses keys like Enter. */
  type(name: string, text: string, ...keys: string[]): void {
    if (text) this.tmux(["send-keys", "-t", name, "-l", text]);
    if (keys.length) this.tmux(["send-keys", "-t", name, ...keys]);
  }

  keys(name: string, ...keys: string[]): void {
    this.tmux(["send-keys", "-t", name, ...keys]);
    // A lone ESC followed at once by more input reads as Alt+that key (as in every terminal
    // program): give it a moment to arrive on its own, as it would from a person.
    if (keys.at(-1) === "Escape") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 150);
  }

  resize(name: string, columns: number, rows: number): void {
    this.tmux(["resize-window", "-t", name, "-x", String(columns), "-y", String(rows)]);
  }

  /** Waits until `ok(screen)` holds, and returns that screen; fails with the last screen otherwise. */
  async waitUntil(name: string, ok: (screen: string) => boolean, what: string, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.capture(name);
      if (ok(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} in ${name}; the screen was:\n${screen}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits for a freshly started chat's first screen, and a moment more for its key handling to attach. */
  async waitForStart(name: string, pattern: RegExp | string): Promise<string> {
    const screen = await this.waitFor(name, pattern);
    await new Promise((r) => setTimeout(r, 200));
    return screen;
  }

  waitFor(name: string, pattern: RegExp | string, timeoutMs = 30_000): Promise<string> {
    return this.waitUntil(name, (s) => (typeof pattern === "string" ? s.includes(pattern) : pattern.test(s)), String(pattern), timeoutMs);
  }

  /** Waits until the pattern is gone from a drawn screen (one showing the status bar). */
  waitGone(name: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    return this.waitUntil(name, (s) => /● online|○ offline/.test(s) && !pattern.test(s), `${String(pattern)} to go`, timeoutMs);
  }

  /**
   * Keeps a copy of the screen for docs/chat.md when PARLEY_CHAT_SCREENS names a directory
   * (plain text and with colours); otherwise does nothing.
   */
  snapshot(name: string, label: string): void {
    const dir = process.env.PARLEY_CHAT_SCREENS;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${label}.txt`), this.capture(name));
    writeFileSync(join(dir, `${label}.ansi`), this.capture(name, { ansi: true }));
  }

  killServer(): void {
    try {
      this.tmux(["kill-server"]);
    } catch {
      // already gone
    }
    // tmux leaves its socket file behind; one per test run would pile up in /tmp.
    rmSync(join(process.env.TMUX_TMPDIR ?? "/tmp", `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Every line of a captured screen fits the width (wide characters counted as two cells). */
export function widestLine(screen: string, cellWidth: (s: string) => number): number {
  return Math.max(...screen.split("\n").map((l) => cellWidth(l)));
}
