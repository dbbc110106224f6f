/**
 * The seal worker: a worker thread that runs HPKE SealBase (suite1.ts) for batches the main
 * thread hands it (sealPool.ts), so a large commit's thousand seals use a second core.
 *   <- { id, infos, jobs: [{ pk, plaintext, info (an index into infos), aad? }] }
 *   -> { ready: true } once loaded; { id, results: [{ ct, enc } | { error }], ms } per batch, ms being
 *      the time the seals took here (the pool balances its split by it)
 * Plaintexts are path secrets; a worker thread shares the process, so they never leave it.
 */
import { parentPort } from "node:worker_threads";
import { sealBase } from "./suite1.js";
import { importPublic } from "./x25519.js";

export interface SealJob {
  pk: Uint8Array;
  plaintext: Uint8Array;
  /** Index into the batch's infos: a Welcome's seals share one info that holds the encrypted GroupInfo (185 KB at 1000 members), sent once. */
  info: number;
  aad: Uint8Array | undefined;
}

export type SealResult = { ct: Uint8Array; enc: Uint8Array } | { error: string };

export interface SealBatch {
  id: number;
  infos: Uint8Array[];
  jobs: SealJob[];
}

if (parentPort) {
  const port = parentPort;
  port.on("message", ({ id, infos, jobs }: SealBatch) => {
    const started = performance.now();
    const results: SealResult[] = jobs.map((j) => {
      try {
        const info = infos[j.info];
        if (info === undefined) throw new Error("HPKE: no such info in the batch");
        return sealBase(importPublic(j.pk), j.plaintext, info, j.aad);
      } catch (e) {
        return { error: e instanceof Error ? e.message : String(e) };
      } finally {
        j.plaintext.fill(0); // a path or group secret: this copy is done with
      }
    });
    port.postMessage({ id, results, ms: performance.now() - started });
  });
  port.postMessage({ ready: true });
}
