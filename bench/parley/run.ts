/**
 * One Parley fan-out run: a fresh server process on a fresh SQLite file, seeded with the rooms,
 * and one load-generator process driving it. Returns the generator's report with the server's
 * memory at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CpuWindow } from "../lib/cpu.js";
import { forkTs, nextMessage, stopChild } from "../lib/proc.js";
import type { RunReport, Workload } from "../lib/workload.js";
import type { Seeded, SeedSpec } from "./seed.js";

export interface ParleyRunOptions {
  spec: SeedSpec;
  workload: Workload;
  /** Directory for a V8 CPU profile of the server (the flame graph of docs/performance.md). */
  cpuProfileDir?: string;
  /** Server processes (`parley serve --workers N`); 1 by default. */
  workers?: number;
}

export interface ServerSide {
  serverRssMiB: number;
  /** CPU seconds the server used during the measurement window. */
  serverCpuSeconds: number;
  /** Server CPU microseconds per delivery: the number that load on the machine disturbs least. */
  serverCpuUsPerDelivery: number;
  /** Server processes that served the run. */
  workers: number;
  /** The load generator's CPU microseconds per delivery: it shares the machine's cores with the server. */
  loadgenCpuUsPerDelivery: number;
}

export function serverSide(report: RunReport, cpu: CpuWindow, rssBytes: number, workers = 1, loadgen?: CpuWindow): ServerSide {
  const seconds = cpu.seconds();
  const perDelivery = (s: number) => (report.deliveries > 0 ? Math.round((s * 1e6 * 10) / report.deliveries) / 10 : NaN);
  return {
    workers,
    loadgenCpuUsPerDelivery: loadgen ? perDelivery(loadgen.seconds()) : NaN,
    serverRssMiB: Math.round(rssBytes / 2 ** 20),
    serverCpuSeconds: seconds,
    serverCpuUsPerDelivery: report.deliveries > 0 ? Math.round((seconds * 1e6 * 10) / report.deliveries) / 10 : NaN,
  };
}

export async function runParley(o: ParleyRunOptions): Promise<RunReport & ServerSide> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parley-bench-"));
  const specFile = path.join(dir, "seed.json");
  writeFileSync(specFile, JSON.stringify(o.spec));
  const profile = o.cpuProfileDir ? ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfileDir}`] : [];
  const workers = o.workers ?? 1;
  const server = forkTs("parley/serverProcess.ts", ["--data", path.join(dir, "data"), "--seed", specFile, "--workers", String(workers)], ["--expose-gc", ...profile]);
  try {
    const ready = await nextMessage<{ wsUrl: string; seeded: Seeded }>(server, "ready", 300_000);
    const gen = forkTs("parley/loadgen.ts");
    const cpu = new CpuWindow(() => server.pid!);
    const genCpu = new CpuWindow(() => gen.pid!);
    gen.on("message", cpu.onMessage);
    gen.on("message", genCpu.onMessage);
    try {
      const timeout = 120_000 + o.workload.warmupMs + o.workload.durationMs;
      const done = nextMessage<{ report: RunReport }>(gen, "report", timeout);
      gen.send({ cmd: "run", wsUrl: ready.wsUrl, clients: ready.seeded.clients, workload: o.workload });
      const { report } = await done;
      server.send({ cmd: "stats" });
      const { stats } = await nextMessage<{ stats: { rssBytes: number } }>(server, "stats", 30_000);
      return { ...report, ...serverSide(report, cpu, stats.rssBytes, workers, genCpu) };
    } finally {
      await stopChild(gen);
    }
  } finally {
    await stopChild(server, 20_000);
    rmSync(dir, { recursive: true, force: true });
  }
}
