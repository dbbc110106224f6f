import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { after, test } from "node:test";
import { createTestDatabase, skipWithout, type TestDatabase } from "../services.js";
import { clusterArgs } from "./cluster.js";
import { cleanup, eventually, loginClient, registerClient, reopenClient, startServerProcess, tempDir, texts, type ServerProcess, type TestClient } from "./harness.js";
import { uniqueRedisPrefix } from "../services.js";

const skip = (await skipWithout("postgres")) || (await skipWithout("redis"));
const dbs: TestDatabase[] = [];
const servers: ServerProcess[] = [];
const clients: TestClient[] = [];
const dumpDir = tempDir("backup");
after(async () => {
  await Promise.all(clients.map((c) => c.client.close().catch(() => undefined)));
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) await s.stop();
  for (const d of dbs) await d.drop();
  cleanup(dumpDir);
});

test("a restore from a backup taken as docs/operations.md says brings back accounts and undelivered messages", { skip, timeout: 180_000 }, async () => {
  const original = await createTestDatabase();
  dbs.push(original);
  const server = await startServerProcess({ args: clusterArgs(original.url, uniqueRedisPrefix()) });
  servers.push(server);
  const alice = await registerClient(server.url, "alice");
  const bob = await registerClient(server.url, "bob");
  clients.push(alice);
  const conv = await alice.client.ensureDirect("bob");
  await eventually(() => bob.seen.joined.length === 1, "bob joins");
  await bob.client.waitUntilCaughtUp();
  // Bob goes offline; what alice sends now waits on the server for him.
  await bob.client.close();
  for (const t of ["while you were out 1", "while you were out 2", "while you were out 3"]) await alice.client.sendText(conv, t);

  // The documented backup: pg_dump in PostgreSQL's custom format, taken while the server runs.
  const dump = join(dumpDir, "parley.dump");
  execFileSync("pg_dump", ["--format=custom", "--file", dump, original.url]);

  // Disaster: the server and its database are gone.
  await alice.client.close();
  clients.length = 0;
  await server.kill();
  await original.drop();

  // The documented restore: into a new, empty database, then start the server on it.
  const restored = await createTestDatabase();
  dbs.push(restored);
  execFileSync("pg_restore", ["--no-owner", "--dbname", restored.url, dump]);
  const again = await startServerProcess({ args: clusterArgs(restored.url, uniqueRedisPrefix()) });
  servers.push(again);

  // Bob's device comes back with its stored session and gets what was waiting for it.
  const bobAgain = await reopenClient(again.url, bob.profileDir);
  clients.push(bobAgain);
  await eventually(() => texts(bobAgain, conv).length === 3, "bob receives the undelivered messages", 60_000);
  assert.deepEqual(texts(bobAgain, conv), ["while you were out 1", "while you were out 2", "while you were out 3"]);
  // The accounts survived: alice logs in with her password on a new device (the OPAQUE setup was restored too).
  const aliceNew = await loginClient(again.url, "alice");
  clients.push(aliceNew);
  assert.equal((await aliceNew.client.devices()).length, 2);
  // And a brand-new registration does not collide with restored data.
  const carol = await registerClient(again.url, "carol");
  clients.push(carol);
  await carol.client.ensureDirect("bob");
});
