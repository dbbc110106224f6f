import { test } from "node:test";
import assert from "node:assert/strict";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { LOG_LEVELS } from "@parley/server";
import { COMMANDS } from "../src/help.js";
import { serveSettings } from "../src/commands/serveSettings.js";
import { UsageError } from "../src/errors.js";

test("parley serve with nothing set runs one process on 127.0.0.1:8448 with SQLite in ~/.parley-server", () => {
  assert.deepEqual(serveSettings({}, {}), {
    host: "127.0.0.1",
    port: 8448,
    dataDir: join(homedir(), ".parley-server"),
    databaseUrl: null,
    databasePoolSize: undefined,
    redisUrl: null,
    redisPrefix: undefined,
    tls: null,
    log: "info",
    workers: 1,
  });
});

const ENV = {
  PARLEY_HOST: "0.0.0.0",
  PARLEY_PORT: "9000",
  PARLEY_DATA: "/srv/p",
  PARLEY_LOG_LEVEL: "warn",
  PARLEY_DB: "postgres://db/parley",
  PARLEY_DB_POOL: "4",
  PARLEY_REDIS: "redis://bus:6379",
  PARLEY_REDIS_PREFIX: "env:",
  PARLEY_WORKERS: "3",
};

test("each variable is used when its flag is not given", () => {
  const s = serveSettings({}, ENV);
  assert.deepEqual(
    [s.host, s.port, s.dataDir, s.log, s.databaseUrl, s.databasePoolSize, s.redisUrl, s.redisPrefix, s.workers],
    ["0.0.0.0", 9000, "/srv/p", "warn", "postgres://db/parley", 4, "redis://bus:6379", "env:", 3],
  );
});

test("each flag wins over its variable", () => {
  const s = serveSettings(
    { host: "::1", port: "0", data: "rel", "log-level": "debug", db: "postgresql://other/x", "db-pool": "2", redis: "rediss://tls:6380", "redis-prefix": "flag:", workers: "2" },
    ENV,
  );
  assert.deepEqual(
    [s.host, s.port, s.dataDir, s.log, s.databaseUrl, s.databasePoolSize, s.redisUrl, s.redisPrefix, s.workers],
    ["::1", 0, resolve("rel"), "debug", "postgresql://other/x", 2, "rediss://tls:6380", "flag:", 2],
  );
});

test("an empty value means the default, and an empty flag still overrides its variable", () => {
  const emptyFlags = serveSettings({ host: "", port: "", data: "", "log-level": "", db: "", "db-pool": "", redis: "", "redis-prefix": "", workers: "", tls: "" }, ENV);
  assert.deepEqual(emptyFlags, serveSettings({}, {}), "--db '' is SQLite even with PARLEY_DB set");
  const emptyEnv = Object.fromEntries(Object.keys(ENV).map((k) => [k, ""]));
  assert.deepEqual(serveSettings({}, emptyEnv), serveSettings({}, {}));
});

test("a value that cannot be used is refused, naming the flag or the variable it came from", () => {
  const refused = (f: Parameters<typeof serveSettings>[0], env: Record<string, string>, message: RegExp) =>
    assert.throws(() => serveSettings(f, env), (e: unknown) => e instanceof UsageError && message.test(e.message));
  refused({ port: "70000" }, {}, /^--port must be a port from 0 to 65535, not "70000"$/);
  refused({}, { PARLEY_PORT: "http" }, /^PARLEY_PORT must be a port from 0 to 65535, not "http"$/);
  refused({ "log-level": "loud" }, {}, /^--log-level must be one of debug, info, warn, error, silent, not "loud"$/);
  refused({}, { PARLEY_LOG_LEVEL: "loud" }, /^PARLEY_LOG_LEVEL must be one of/);
  refused({}, { PARLEY_WORKERS: "0" }, /^PARLEY_WORKERS must be a whole number from 1 to 64, or auto, not "0"$/);
  refused({ workers: "many" }, {}, /^--workers must be/);
  // Digits only: Number() alone would take these as 0, 8080 and 1000.
  for (const port of [" ", "0x1F90", "1e3", "80.0", "-1"]) refused({ port }, {}, /^--port must be a port from 0 to 65535/);
  refused({ workers: "1e1" }, {}, /^--workers must be/);
  refused({ "db-pool": " " }, {}, /^--db-pool must be a positive whole number/);
  refused({}, { PARLEY_DB_POOL: "-1" }, /^PARLEY_DB_POOL must be a positive whole number/);
  refused({}, { PARLEY_DB: "mysql://x" }, /^PARLEY_DB takes a postgres:\/\/ URL$/);
  refused({ redis: "http://x" }, {}, /^--redis takes a redis:\/\/ URL$/);
  refused({ tls: "yes" }, {}, /--tls takes 'self-signed'/);
  refused({ "tls-cert": "c.pem" }, {}, /--tls-cert and --tls-key go together/);
});

test("parley serve --help lists the log levels the server has, in its order", () => {
  const listed = `${LOG_LEVELS.slice(0, -1).join(", ")} or ${LOG_LEVELS.at(-1)}`;
  assert.match(COMMANDS.serve!.details!, new RegExp(`--log-level L +${listed} \\(default info; PARLEY_LOG_LEVEL\\)`));
});
