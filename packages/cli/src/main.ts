#!/usr/bin/env node
/**
 * The `parley` command: a thin layer over @parley/client and @parley/server. Parses arguments,
 * runs one command, prints one clear line on failure and exits non-zero.
 */
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { isParleyError } from "@parley/client";
import { UsageError } from "./errors.js";
import { commandHelp, mainHelp } from "./help.js";
import { stdio } from "./output.js";
import type { GlobalOptions } from "./context.js";

const globalOptions = {
  server: { type: "string" },
  profile: { type: "string" },
  "tls-fingerprint": { type: "string" },
  help: { type: "boolean", short: "h" },
  json: { type: "boolean" },
  follow: { type: "boolean", short: "f" },
  qr: { type: "boolean" },
  "device-name": { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  data: { type: "string" },
  tls: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "log-level": { type: "string" },
  "no-typing": { type: "boolean" },
  "no-receipts": { type: "boolean" },
  db: { type: "string" },
  redis: { type: "string" },
  "redis-prefix": { type: "string" },
  "db-pool": { type: "string" },
  workers: { type: "string" },
} as const;

function need(args: string[], count: number, usage: string): void {
  if (args.length < count) throw new UsageError(`missing arguments: ${usage}`);
}

async function run(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: globalOptions, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
  const { values: v, positionals } = parsed;
  const [command, ...args] = positionals;
  if (!command) {
    stdio.line(mainHelp());
    if (!v.help) process.exitCode = 2;
    return;
  }
  if (v.help) {
    stdio.line(commandHelp(command));
    return;
  }
  const g: GlobalOptions = { server: v.server, profile: v.profile, "tls-fingerprint": v["tls-fingerprint"] };
  const out = stdio;
  switch (command) {
    case "help":
      stdio.line(args[0] ? commandHelp(args[0]) : mainHelp());
      return;
    case "serve":
      return (await import("./commands/serve.js")).serve(v);
    case "register":
    case "login": {
      need(args, 1, `parley ${command} USER`);
      const m = await import("./commands/account.js");
      return command === "register" ? m.register(g, args[0]!, out, v["device-name"]) : m.login(g, args[0]!, out, v["device-name"]);
    }
    case "logout":
      return (await import("./commands/account.js")).logout(g, out);
    case "whoami":
      return (await import("./commands/account.js")).whoami(g, out);
    case "devices": {
      const m = await import("./commands/account.js");
      if (args[0] === "revoke") {
        need(args, 2, "parley devices revoke DEVICE_ID");
        return m.revokeDevice(g, args[1]!, out);
      }
      if (args.length) throw new UsageError(`unknown devices subcommand ${args[0]}: use 'parley devices' or 'parley devices revoke ID'`);
      return m.devices(g, out, !!v.json);
    }
    case "chat":
      return (await import("./commands/chat.js")).chat(g, { typing: !v["no-typing"], receipts: !v["no-receipts"] });
    case "conversations":
      return (await import("./commands/messages.js")).conversations(g, !!v.json, out);
    case "send": {
      need(args, 2, "parley send TARGET TEXT");
      const text = args[1] === "-" ? readFileSync(0, "utf8").replace(/\n$/, "") : args.slice(1).join(" ");
      return (await import("./commands/messages.js")).send(g, args[0]!, text, out);
    }
    case "read":
      return (await import("./commands/messages.js")).read(g, { follow: !!v.follow, json: !!v.json }, out);
    case "group": {
      const m = await import("./commands/groups.js");
      const [sub, ...rest] = args;
      switch (sub) {
        case "create":
          need(rest, 2, "parley group create NAME USER...");
          return m.groupCreate(g, rest[0]!, rest.slice(1), out);
        case "add":
          need(rest, 2, "parley group add CONV USER");
          return m.groupAdd(g, rest[0]!, rest[1]!, out);
        case "remove":
          need(rest, 2, "parley group remove CONV USER");
          return m.groupRemove(g, rest[0]!, rest[1]!, out);
        case "leave":
          need(rest, 1, "parley group leave CONV");
          return m.groupLeave(g, rest[0]!, out);
        default:
          throw new UsageError("use: parley group create|add|remove|leave …");
      }
    }
    case "safety-number":
      need(args, 1, "parley safety-number USER");
      return (await import("./commands/trust.js")).safetyNumber(g, args[0]!, { qr: !!v.qr, json: !!v.json }, out);
    case "verify":
      need(args, 1, "parley verify USER");
      return (await import("./commands/trust.js")).verify(g, args[0]!, out);
    case "trust":
      need(args, 1, "parley trust USER");
      return (await import("./commands/trust.js")).trust(g, args[0]!, out);
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

run(process.argv.slice(2)).then(
  () => {
    // Open handles (sockets closing, timers) must not keep a finished command alive.
    if (process.argv[2] !== "serve") setImmediate(() => process.exit(process.exitCode ?? 0));
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`parley: ${e.message} (see 'parley --help')\n`);
      process.exit(2);
    }
    if (isParleyError(e)) {
      process.stderr.write(`parley: ${e.message} [${e.code}]\n`);
      process.exit(1);
    }
    process.stderr.write(`parley: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(1);
  },
);
