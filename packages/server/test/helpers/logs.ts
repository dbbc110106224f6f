import type { LogFields, Logger } from "../../src/index.js";

export interface LogLine extends LogFields {
  level: string;
  msg: string;
}

/** A Logger that records lines, and lets a test wait for one. */
export function recordingLogger() {
  const lines: LogLine[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  const write = (level: string) => (msg: string, fields?: LogFields) => {
    const line: LogLine = { ...fields, level, msg };
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  const logger: Logger = { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
  return {
    logger,
    lines,
    waitFor(match: (l: LogLine) => boolean): Promise<LogLine> {
      const found = lines.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}
