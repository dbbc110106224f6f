import { UsageError } from "./errors.js";

/**
 * Reads a password: from PARLEY_PASSWORD (for scripts), else from the terminal without echo.
 * With neither a terminal nor the variable there is no safe way to ask, so it says what to do.
 */
export async function readPassword(prompt: string, opts: { confirm?: boolean } = {}): Promise<string> {
  const fromEnv = process.env.PARLEY_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (!process.stdin.isTTY) {
    throw new UsageError("no terminal to ask for the password: set PARLEY_PASSWORD for scripts");
  }
  const first = await askHidden(prompt);
  if (opts.confirm) {
    const second = await askHidden("Repeat password: ");
    if (first !== second) throw new UsageError("the passwords differ");
  }
  if (first.length < 8) throw new UsageError("use a password of at least 8 characters");
  return first;
}

function askHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding("utf8");
    let value = "";
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off("data", onData);
      process.stderr.write("\n");
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n") return done();
        if (ch === "\u0003") return done(new UsageError("cancelled"));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}
