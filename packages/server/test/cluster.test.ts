// startCluster's own promises: a worker that dies is replaced; workers that keep dying stop the
// server with an error (a supervisor must see a crash loop); every caller of close() waits for
// the workers to be gone.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { startCluster } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "parley-cluster-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(predicate: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("a killed worker is replaced; more exits than allowed within the window stop the cluster with an error", { timeout: 120_000 }, async () => {
  const cluster = await startCluster({ workers: 2, maxRestarts: 1, options: { port: 0, dataDir: join(dir, "loop"), log: "silent" } });
  const first = cluster.workerPids();
  assert.equal(first.length, 2);
  const res = await fetch(`${cluster.url}/healthz`);
  assert.equal(res.status, 200);

  process.kill(first[0]!, "SIGKILL");
  await until(() => cluster.workerPids().length === 2 && !cluster.workerPids().includes(first[0]!), "a replacement worker");
  // A second exit within the window is one more than maxRestarts allows.
  const second = cluster.workerPids();
  process.kill(second[1]!, "SIGKILL");
  const reason = await cluster.stopped;
  assert.ok(reason instanceof Error && /workers exited 2 times/.test(reason.message), String(reason));
  for (const pid of [...first, ...second]) await until(() => !alive(pid), `worker ${pid} gone`);
  await cluster.close(); // after it stopped by itself: nothing left to do, and it still settles
});

test("close() from several callers waits for every worker; an in-memory store is refused", { timeout: 60_000 }, async () => {
  await assert.rejects(startCluster({ workers: 2, options: { port: 0, dataDir: null, log: "silent" } }), RangeError);
  const cluster = await startCluster({ workers: 2, options: { port: 0, dataDir: join(dir, "close"), log: "silent" } });
  const pids = cluster.workerPids();
  await Promise.all([cluster.close(), cluster.close()]);
  for (const pid of pids) assert.equal(alive(pid), false, `worker ${pid} is gone when close() settles`);
  assert.equal(await cluster.stopped, null);
});
