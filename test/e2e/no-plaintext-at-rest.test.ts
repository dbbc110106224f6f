import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { eventually, registerClient, serverPerFile, texts } from "./harness.js";

const ctx = serverPerFile();

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test("the server's SQLite file and WAL hold none of the plaintexts and none of the passwords", async () => {
  const passwords = { alice: "alice-Secret-passphrase-1", bob: "bob-Secret-passphrase-2", carol: "carol-Secret-passphrase-3" };
  const alice = await registerClient(ctx.server.url, "alice", passwords.alice);
  const bob = await registerClient(ctx.server.url, "bob", passwords.bob);
  const carol = await registerClient(ctx.server.url, "carol", passwords.carol);
  ctx.clients.push(alice, bob, carol);
  const secrets = Array.from({ length: 12 }, (_, i) => `plaintext-marker-${i}-${Math.random().toString(36).slice(2)}`);
  const direct = await alice.client.ensureDirect("bob");
  const group = await bob.client.createGroup("secret-plans", ["alice", "carol"]);
  await eventually(() => alice.seen.joined.length >= 1 && carol.seen.joined.length >= 1, "joins");
  for (const [i, s] of secrets.entries()) {
    if (i % 3 === 0) await alice.client.sendText(direct, s);
    else if (i % 3 === 1) await bob.client.sendText(group, s);
    else await carol.client.sendText(group, s);
  }
  await eventually(() => texts(bob, direct).length === 4 && texts(alice, group).length === 8, "delivery");

  // Read the files while the server runs: the WAL then still holds recent pages.
  const files = filesUnder(ctx.server.dataDir).filter((f) => /\.(db|sqlite|wal|shm)$|-wal$|-shm$|-journal$/.test(f));
  assert.ok(files.some((f) => /-wal$/.test(f)), `expected a WAL file among ${files.join(", ")}`);
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const needle of [...secrets, ...Object.values(passwords)]) {
      for (const encoding of ["utf8", "utf16le", "base64"] as const) {
        const pattern = encoding === "base64" ? Buffer.from(needle).toString("base64").slice(0, 16) : Buffer.from(needle, encoding);
        assert.equal(bytes.indexOf(pattern), -1, `${file} contains ${needle} (${encoding})`);
      }
    }
  }
});
