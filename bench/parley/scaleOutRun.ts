/**
 * One Parley fan-out run on the scale-out set-up: `instances` server processes on a fresh
 * PostgreSQL database and Redis prefix, seeded with the rooms, and one load-generator process
 * (parley/loadgen.ts) whose clients are dealt round-robin over the instances, so that every room
 * has members, and senders, on each of them: a delivery to a member on another instance goes
 * through Redis. Every message and every ack is stored in PostgreSQL before it is answered.
 *
 * Reports the generator's figures with the CPU time of the Parley instances (summed) per delivery,
 * and that of the PostgreSQL and Redis services over the same window.
 */
import { CpuWindow } from "../lib/cpu.js";
import { forkTs, nextMessage, stopChild } from "../lib/proc.js";
import { servicesCpuSeconds } from "../lib/services.js";
import type { RunReport, Workload } from "../lib/workload.js";
import { startScaleOut } from "./scaleOut.js";
import type { SeedSpec } from "./seed.js";

export interface ScaleOutRunOptions {
  instances: number;
  spec: SeedSpec;
  workload: Workload;
  /** PostgreSQL connections per instance (the server's default is 10). */
  poolPerInstance?: number;
}

export interface ScaleOutServerSide {
  instances: number;
  /** Sum over the instances. */
  serverRssMiB: number;
  serverCpuSeconds: number;
  /** Parley's own CPU per delivery, all instances together: comparable with the SQLite runs' figure. */
  serverCpuUsPerDelivery: number;
  /** The PostgreSQL and Redis services' CPU per delivery (the whole services: an upper bound). */
  postgresCpuUsPerDelivery: number;
  redisCpuUsPerDelivery: number;
}

const perDelivery = (seconds: number, deliveries: number) => (deliveries > 0 ? Math.round((seconds * 1e6 * 10) / deliveries) / 10 : NaN);

export async function runParleyScaleOut(o: ScaleOutRunOptions): Promise<RunReport & ScaleOutServerSide> {
  const set = await startScaleOut({ instances: o.instances, spec: o.spec, poolPerInstance: o.poolPerInstance ?? 10 });
  try {
    const clients = set.seeded.clients.map((c, i) => ({ ...c, wsUrl: set.wsUrls[i % set.wsUrls.length]! }));
    const gen = forkTs("parley/loadgen.ts");
    const cpu = set.instances.map((server) => new CpuWindow(() => server.pid!));
    const services: { postgres: number; redis: number }[] = [];
    gen.on("message", (m: { window?: string }) => {
      for (const w of cpu) w.onMessage(m);
      if (m.window === "open" || m.window === "close") services.push(servicesCpuSeconds());
    });
    try {
      const timeout = 120_000 + o.workload.warmupMs + o.workload.durationMs;
      const done = nextMessage<{ report: RunReport }>(gen, "report", timeout);
      gen.send({ cmd: "run", wsUrl: set.wsUrls[0], clients, workload: o.workload });
      const { report } = await done;
      const stats = await set.stats();
      const serverCpuSeconds = Math.round(cpu.reduce((a, w) => a + w.seconds(), 0) * 100) / 100;
      const [before, after] = services;
      return {
        ...report,
        instances: o.instances,
        serverRssMiB: Math.round(stats.reduce((a, s) => a + s.rssBytes, 0) / 2 ** 20),
        serverCpuSeconds,
        serverCpuUsPerDelivery: perDelivery(serverCpuSeconds, report.deliveries),
        postgresCpuUsPerDelivery: before && after ? perDelivery(after.postgres - before.postgres, report.deliveries) : NaN,
        redisCpuUsPerDelivery: before && after ? perDelivery(after.redis - before.redis, report.deliveries) : NaN,
      };
    } finally {
      await stopChild(gen);
    }
  } finally {
    await set.stop();
  }
}
