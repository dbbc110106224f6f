// The built client runs HPKE seals in a worker thread (packages/crypto/src/mls/hpke/sealPool.ts).
// From source the worker is started through tsx; this checks the path users run: the built
// sealWorker.js under plain node, with no loader, takes its share of a batch and lets the
// process exit when done.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./harness.js";

test("the built seal worker starts under plain node, seals its share, and does not hold the process", () => {
  const dist = (f: string) => JSON.stringify(pathToFileURL(join(ROOT, "packages/crypto/dist/mls/hpke", f)).href);
  const script = `
    const { SealPool } = await import(${dist("sealPool.js")});
    const { generatePair } = await import(${dist("x25519.js")});
    const pool = new SealPool({ minBatch: 8, workerShare: 0.5 });
    if (!(await pool.warm())) throw new Error("the worker did not start");
    const pk = generatePair().publicKey;
    const sealed = await Promise.all(Array.from({ length: 100 }, () => pool.seal(pk, new Uint8Array(32), new Uint8Array(8), undefined)));
    if (new Set(sealed.map((s) => Buffer.from(s.enc).toString("hex"))).size !== 100) throw new Error("ephemeral keys repeat");
    console.log(JSON.stringify(pool.counts));
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000, cwd: ROOT });
  assert.equal(r.error, undefined, "the process ended by itself");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { worker: 50, local: 50 });
});
