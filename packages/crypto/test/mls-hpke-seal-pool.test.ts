// The HPKE seal pool (src/mls/hpke/sealPool.ts): batches of seals shared with a worker thread
// must give what sealing on the main thread gives (RFC 9180 ciphertexts that both our Open and
// @hpke/core's open), whether the worker takes part, cannot start, or is lost mid-batch; and an
// idle worker must not keep a process alive.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { defaultCryptoProvider, getCiphersuiteFromName } from "ts-mls";
import { SealPool, balancedShare } from "../src/mls/hpke/sealPool.js";
import { derivePrivateKey, openBase } from "../src/mls/hpke/suite1.js";
import { importPublic, publicOf } from "../src/mls/hpke/x25519.js";
import { CIPHERSUITE } from "../src/mls/suite.js";

const rnd = (n: number) => new Uint8Array(randomBytes(n));
const cs = getCiphersuiteFromName(CIPHERSUITE);

/** `count` recipients, each a key pair derived from fresh randomness (so @hpke/core can derive the same). */
function recipients(count: number) {
  return Array.from({ length: count }, () => {
    const ikm = rnd(32);
    const sk = derivePrivateKey(ikm);
    return { ikm, sk, pk: publicOf(sk) };
  });
}

/** Seals a fresh plaintext to each of `count` recipients, seal i under infoOf(i) (by default one info for all). */
async function sealAll(pool: SealPool, count: number, infoOf?: (i: number) => Uint8Array) {
  const to = recipients(count);
  const shared = rnd(90);
  const infos = to.map((_, i) => infoOf?.(i) ?? shared);
  const plaintexts = to.map(() => rnd(32));
  const sealed = await Promise.all(to.map((r, i) => pool.seal(importPublic(r.pk.publicBytes()), plaintexts[i]!, infos[i]!, undefined)));
  return { to, infos, plaintexts, sealed };
}

async function assertOpens({ to, infos, plaintexts, sealed }: Awaited<ReturnType<typeof sealAll>>, checkWithHpkeCore: number) {
  const theirs = (await defaultCryptoProvider.getCiphersuiteImpl(cs)).hpke;
  for (const [i, r] of to.entries()) {
    const s = sealed[i]!;
    const info = infos[i]!;
    assert.deepEqual(openBase(r.sk, importPublic(s.enc), s.ct, info, undefined), plaintexts[i], `seal ${i}`);
    if (i < checkWithHpkeCore) {
      const other = await theirs.deriveKeyPair(r.ikm);
      assert.deepEqual(await theirs.open(other.privateKey, s.enc, s.ct, info, undefined), plaintexts[i], `seal ${i} (@hpke/core)`);
    }
  }
  assert.equal(new Set(sealed.map((s) => Buffer.from(s.enc).toString("hex"))).size, sealed.length, "a fresh ephemeral key per seal");
}

/** Runs `body` with a pool made of `opts`, closing it afterwards whatever happens. */
async function withPool(opts: ConstructorParameters<typeof SealPool>[0], body: (pool: SealPool) => Promise<void>) {
  const pool = new SealPool(opts);
  try {
    await body(pool);
  } finally {
    await pool.close();
  }
}

test("seal pool: a large batch is split with the worker, and every seal opens", async () => {
  await withPool({ minBatch: 16, workerShare: 0.5 }, async (pool) => {
    assert.equal(await pool.warm(), true, "the worker starts");
    const batch = await sealAll(pool, 120);
    assert.equal(pool.counts.worker, 60);
    assert.equal(pool.counts.local, 60);
    await assertOpens(batch, 20);
    // Below minBatch, everything stays on the main thread.
    await assertOpens(await sealAll(pool, 10), 0);
    assert.equal(pool.counts.worker, 60);
    assert.equal(pool.counts.local, 70);
  });
});

test("seal pool: seals with different infos in one batch each use their own", async () => {
  await withPool({ minBatch: 8, workerShare: 0.5 }, async (pool) => {
    await pool.warm();
    // Runs of equal infos (each a fresh copy, as ts-mls encodes them) and changes between runs.
    const infoOf = (i: number) => new Uint8Array(Buffer.from(`info-${Math.floor(i / 7)}`));
    const batch = await sealAll(pool, 40, infoOf);
    await assertOpens(batch, 0);
    for (const [i, r] of batch.to.entries()) {
      assert.throws(() => openBase(r.sk, importPublic(batch.sealed[i]!.enc), batch.sealed[i]!.ct, infoOf(i + 7), undefined), /AES-GCM/);
    }
    assert.equal(pool.counts.worker, 20);
  });
});

test("seal pool: the split follows each thread's speed per seal, within bounds", async () => {
  assert.equal(balancedShare(0, 0), 0.5, "nothing measured yet");
  assert.equal(balancedShare(0.1, 0), 0.5);
  assert.equal(balancedShare(0.1, 0.1), 0.5);
  assert.ok(Math.abs(balancedShare(0.1, 0.2) - 1 / 3) < 1e-9, "a worker twice as slow gets a third");
  assert.ok(Math.abs(balancedShare(0.2, 0.1) - 2 / 3) < 1e-9);
  assert.equal(balancedShare(0.1, 10), 0.2, "never less than a fifth");
  assert.equal(balancedShare(10, 0.1), 0.8, "never more than four fifths");
  // Adaptive by default: every batch is still sealed whole, whatever the split.
  await withPool({ minBatch: 8 }, async (pool) => {
    await pool.warm();
    for (let i = 0; i < 4; i++) await assertOpens(await sealAll(pool, 50), 0);
    assert.equal(pool.counts.worker + pool.counts.local, 200);
    assert.ok(pool.counts.worker >= 4 * 10 && pool.counts.worker <= 4 * 40, `the worker's part stays within bounds: ${pool.counts.worker}`);
  });
});

test("seal pool: a bad key fails its own seal only, in the worker as on the main thread", async () => {
  // An even split, so the bad key lands in the worker's half in one of the two orders.
  await withPool({ minBatch: 4, workerShare: 0.5 }, async (pool) => {
    await pool.warm();
    const good = recipients(7);
    const info = rnd(10);
    // The all-zero key is of low order: its DH output is all zeros, which RFC 9180 refuses.
    const keys = [...good.slice(0, 3).map((r) => r.pk), importPublic(new Uint8Array(32)), ...good.slice(3).map((r) => r.pk)];
    const keysAgain = [...keys].reverse(); // the bad one lands in the other half
    for (const ks of [keys, keysAgain]) {
      const results = await Promise.allSettled(ks.map((k) => pool.seal(importPublic(k.publicBytes()), rnd(32), info, undefined)));
      assert.equal(results.filter((r) => r.status === "rejected").length, 1);
      const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      assert.match(String(failed.reason), /X25519/);
    }
    assert.ok(pool.counts.worker > 0);
  });
});

test("seal pool: without a worker every seal is made on the main thread", async () => {
  const pool = new SealPool({ minBatch: 4, workerUrl: new URL("./fixtures/no-such-worker.mjs", import.meta.url) });
  assert.equal(await pool.warm(), false, "the worker cannot start");
  await assertOpens(await sealAll(pool, 40), 5);
  assert.deepEqual(pool.counts, { worker: 0, local: 40 });
});

test("seal pool: a worker lost mid-batch has its part sealed on the main thread", async () => {
  const pool = new SealPool({ minBatch: 4, workerUrl: new URL("./fixtures/exitingSealWorker.mjs", import.meta.url) });
  assert.equal(await pool.warm(), true);
  await assertOpens(await sealAll(pool, 40), 5);
  assert.deepEqual(pool.counts, { worker: 0, local: 40 });
  // And the pool carries on without it.
  await assertOpens(await sealAll(pool, 8), 0);
  assert.deepEqual(pool.counts, { worker: 0, local: 48 });
});

test("seal pool: a worker that never answers is stopped at the deadline and its part sealed here", { timeout: 20_000 }, async () => {
  const pool = new SealPool({ minBatch: 4, batchDeadlineMs: 200, workerUrl: new URL("./fixtures/silentSealWorker.mjs", import.meta.url) });
  assert.equal(await pool.warm(), true);
  await assertOpens(await sealAll(pool, 40), 5);
  assert.deepEqual(pool.counts, { worker: 0, local: 40 });
});

/** Runs `body` (after SealPool and generatePair are imported) in a fresh node; it must end by itself. */
function runAlone(body: string) {
  const pool = fileURLToPath(new URL("../src/mls/hpke/sealPool.ts", import.meta.url));
  const x25519 = fileURLToPath(new URL("../src/mls/hpke/x25519.ts", import.meta.url));
  const script = `
    const { SealPool } = await import(${JSON.stringify(pool)});
    const { generatePair } = await import(${JSON.stringify(x25519)});
    const seal = (p, n) => { const pk = generatePair().publicKey; return Promise.all(Array.from({ length: n }, () => p.seal(pk, new Uint8Array(32), new Uint8Array(), undefined))); };
    ${body}
  `;
  const r = spawnSync(process.execPath, [...process.execArgv.filter((a) => !a.startsWith("--test")), "--input-type=module", "-e", script], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(r.error, undefined, "the process ended by itself");
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test("seal pool: the worker never keeps a process alive once it is idle", () => {
  // After a batch the worker took part in.
  assert.match(
    runAlone(`const p = new SealPool({ minBatch: 4 }); if (!(await p.warm())) throw new Error("no worker");
      await seal(p, 32); if (p.counts.worker === 0) throw new Error("the worker sealed nothing"); console.log("sealed", p.counts.worker + p.counts.local);`),
    /sealed 32/,
  );
  // Started by a large batch that was sealed here while it started, and never used after.
  assert.match(runAlone(`const p = new SealPool({ minBatch: 4 }); await seal(p, 8); console.log("sealed", p.counts.local);`), /sealed 8/);
  // Warmed and never used.
  assert.match(runAlone(`const p = new SealPool({ minBatch: 4 }); console.log("warm", await p.warm());`), /warm true/);
  // Closed while it starts, with a batch sealed here meanwhile.
  assert.match(runAlone(`const p = new SealPool({ minBatch: 4 }); const s = seal(p, 8); await p.close(); console.log("sealed", (await s).length);`), /sealed 8/);
  // Closed with a batch in the worker: that part is sealed here, and close() settles.
  assert.match(
    runAlone(`const p = new SealPool({ minBatch: 4 }); await p.warm(); const s = seal(p, 64);
      await new Promise((r) => setImmediate(r)); await p.close(); console.log("sealed", (await s).length, p.counts.worker + p.counts.local);`),
    /sealed 64 64/,
  );
});

test("seal pool: options out of range are refused", () => {
  assert.throws(() => new SealPool({ workerShare: 1 }), RangeError);
  assert.throws(() => new SealPool({ workerShare: Number.NaN }), RangeError);
  assert.throws(() => new SealPool({ minBatch: 1 }), RangeError);
  assert.throws(() => new SealPool({ batchDeadlineMs: Infinity }), RangeError);
});
