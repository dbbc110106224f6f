// `parley serve --workers N` on its default SQLite store: several server processes on one port
// and one database file, as a single machine with several cores runs it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { after, test } from "node:test";
import { deliveryViolation, received } from "./cluster.js";
import { eventually, registerClient, startServerProcess, type ServerProcess, type TestClient } from "./harness.js";

let server: ServerProcess | undefined;
const clients: TestClient[] = [];
after(async () => {
  await Promise.all(clients.map((c) => c.client.close()));
  if (server && server.child.exitCode === null && server.child.signalCode === null) await server.stop();
});

/** The primary's worker processes, from /proc. */
function workerPids(primary: number): number[] {
  return readdirSync(`/proc/${primary}/task`).flatMap((tid) =>
    readFileSync(`/proc/${primary}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number),
  );
}

/** Which processes hold the server's accepted TCP connections (ss -tnp), as pid -> count. */
function connectionOwners(port: number): Map<number, number> {
  const out = execFileSync("ss", ["-tnpH", "state", "established", `( sport = :${port} )`], { encoding: "utf8" });
  const owners = new Map<number, number>();
  for (const m of out.matchAll(/pid=(\d+)/g)) owners.set(Number(m[1]), (owners.get(Number(m[1])) ?? 0) + 1);
  return owners;
}

async function sendAll(people: TestClient[], conv: string, round: string, count: number, acked: Map<string, string[]>) {
  await Promise.all(
    people.map(async (p) => {
      for (let i = 1; i <= count; i++) {
        const text = `${p.client.username}-${round}-${i}`;
        await p.client.sendText(conv, text);
        acked.get(p.client.username)!.push(text);
      }
    }),
  );
}

async function everyoneHasEverything(people: TestClient[], conv: string, acked: Map<string, string[]>) {
  for (const p of people) {
    await eventually(
      () => [...acked].every(([u, list]) => u === p.client.username || list.every((t) => received(p, conv).some((r) => r.text === t))),
      `${p.client.username} has every acknowledged message`,
      60_000,
    );
  }
}

test("two workers on one SQLite file: a group spread over both gets every message once, in one order; a killed worker is replaced; SIGTERM stops all", { timeout: 240_000 }, async () => {
  server = await startServerProcess({ args: ["--workers", "2"] });
  assert.match(server.output(), /workers: 2 processes sharing port/);
  const primary = server.child.pid!;
  const workers = workerPids(primary);
  assert.equal(workers.length, 2, "the primary runs two workers");

  const people: TestClient[] = [];
  for (const name of ["alice", "bob", "carol", "dave"]) people.push(await registerClient(server.url, name));
  clients.push(...people);
  // node:cluster hands connections to the workers in turn: both hold some, the primary none.
  const owners = connectionOwners(server.port);
  assert.deepEqual([...owners.keys()].sort(), [...workers].sort(), `connections are spread over both workers (${JSON.stringify([...owners])})`);

  const [alice] = people;
  const conv = await alice!.client.createGroup("workers", ["bob", "carol", "dave"]);
  for (const p of people.slice(1)) await eventually(() => p.seen.joined.length === 1, `${p.client.username} joins`);
  const acked = new Map(people.map((p) => [p.client.username, [] as string[]]));
  await sendAll(people, conv, "a", 10, acked);
  await everyoneHasEverything(people, conv, acked);
  assert.equal(deliveryViolation(people, conv, acked), null);

  // A worker dies: the primary starts another; its clients reconnect and nothing acked is lost.
  const victim = workers[0]!;
  process.kill(victim, "SIGKILL");
  await eventually(() => {
    const now = workerPids(primary);
    return now.length === 2 && !now.includes(victim);
  }, "a replacement worker", 30_000);
  await eventually(() => people.every((p) => p.client.online), "every client is online again", 30_000);
  await sendAll(people, conv, "b", 5, acked);
  await everyoneHasEverything(people, conv, acked);
  for (const p of people) await p.client.waitUntilCaughtUp(60_000);
  assert.equal(deliveryViolation(people, conv, acked), null);
  for (const p of people) assert.equal(p.seen.undecryptable.length, 0);

  const last = workerPids(primary);
  await server.stop();
  assert.equal(server.child.exitCode, 0, "a graceful stop exits 0");
  for (const pid of last) assert.throws(() => process.kill(pid, 0), "no worker outlives the primary");
});

test("--workers and --log-level reject what they cannot run, with a clear error, and a start that fails stops every worker", async () => {
  await assert.rejects(startServerProcess({ args: ["--workers", "0"] }), /--workers must be a whole number from 1 to 64, or auto/);
  await assert.rejects(startServerProcess({ args: ["--workers", "many"] }), /--workers must be/);
  // The last --log-level wins over the harness's own; an unknown level is refused, not ignored.
  await assert.rejects(startServerProcess({ args: ["--log-level", "bogus"] }), /--log-level must be one of debug, info, warn, error, silent, not "bogus"/);
  // The port is taken: no worker can listen, and the server says so and exits.
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
  try {
    const port = (taken.address() as AddressInfo).port;
    await assert.rejects(startServerProcess({ port, args: ["--workers", "2"] }), /EADDRINUSE/);
  } finally {
    taken.close();
  }
});
