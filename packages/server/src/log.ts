/**
 * JSON-lines logger. Callers pass only metadata: request types, outcome codes, durations, counts.
 * Never frame bodies, ciphertexts, keys, tokens, passwords or OPAQUE messages: there is no field
 * filtering here to fall back on, so the rule is kept at each call site.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const LOG_LEVELS = Object.keys(rank) as readonly LogLevel[];

export function isLogLevel(s: string): s is LogLevel {
  return Object.hasOwn(rank, s);
}

/** A logger writing one JSON object per line to `write` (stderr by default). */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const min = rank[level];
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (rank[lvl] < min) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg, ...fields }) + "\n");
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

export const silentLogger: Logger = createLogger("silent", () => {});

/** The class name and message of an unexpected exception, never its payload-bearing properties. */
export function describeError(error: unknown): LogFields {
  if (error instanceof Error) {
    return { error: error.name, reason: error.message.slice(0, 200) };
  }
  return { error: typeof error };
}
