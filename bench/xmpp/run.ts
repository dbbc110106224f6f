/** One ejabberd fan-out run: a fresh ejabberd node and one XMPP load-generator process. */
import { CpuWindow, rssBytes } from "../lib/cpu.js";
import { forkTs, nextMessage, stopChild } from "../lib/proc.js";
import type { RunReport, Workload } from "../lib/workload.js";
import { serverSide, type ServerSide } from "../parley/run.js";
import { startEjabberd } from "./ejabberd.js";

export async function runEjabberd(o: { rooms: number[]; workload: Workload; mam: boolean }): Promise<RunReport & ServerSide & { version: string }> {
  const ejabberd = await startEjabberd({ mam: o.mam });
  try {
    const gen = forkTs("xmpp/loadgen.ts");
    const cpu = new CpuWindow(() => ejabberd.pid);
    const genCpu = new CpuWindow(() => gen.pid!);
    gen.on("message", cpu.onMessage);
    gen.on("message", genCpu.onMessage);
    try {
      const timeout = 300_000 + o.workload.warmupMs + o.workload.durationMs;
      const done = nextMessage<{ report: RunReport }>(gen, "report", timeout);
      gen.send({ cmd: "run", port: ejabberd.port, rooms: o.rooms, workload: o.workload });
      const { report } = await done;
      return { ...report, ...serverSide(report, cpu, rssBytes(ejabberd.pid), 1, genCpu), version: ejabberd.version };
    } finally {
      await stopChild(gen);
    }
  } finally {
    await ejabberd.stop();
  }
}
