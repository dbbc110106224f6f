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

test("a flag wins over its variable, a variable over the default, and an empty value counts as unset", () => {
  const env = { PARLEY_PORT: "9000", PARLEY_LOG_LEVEL: "warn", PARLEY_DB: "postgres://db/parley", PARLEY_DB_POOL: "4", PARLEY_WORKERS: "3", PARLEY_DATA: "/srv/p" };
  const fromEnv = serveSettings({}, env);
  assert.deepEqual([fromEnv.port, fromEnv.log, fromEnv.databaseUrl, fromEnv.databasePoolSize, fromEnv.workers, fromEnv.dataDir], [9000, "warn", "postgres://db/parley", 4, 3, "/srv/p"]);
  const flags = serveSettings({ port: "0", "log-level": "debug", workers: "2", data: "rel" }, env);
  assert.deepEqual([flags.port, flags.log, flags.workers, flags.dataDir], [0, "debug", 2, resolve("rel")]);
  const empty = serveSettings({ port: "", workers: "" }, { PARLEY_PORT: "", PARLEY_LOG_LEVEL: "", PARLEY_DB: "" });
  assert.deepEqual([empty.port, empty.log, empty.databaseUrl, empty.workers], [8448, "info", null, 1]);
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
