/**
 * What every fan-out load generator (Parley's and XMPP's) does the same way: run the pacer through
 * warm-up and the measured window, and serve one run request from the parent process.
 */
import type { Recorder } from "./recorder.js";
import type { Pacer, Workload } from "./workload.js";

/** Starts the pacer, waits out warm-up and the measured window (telling the parent when it opens and closes), stops, reports. */
export async function measureWindow(pacer: Pacer, rec: Recorder, workload: Workload): Promise<ReturnType<Recorder["report"]>> {
  pacer.start();
  rec.open(performance.now() + workload.warmupMs, workload.durationMs);
  await new Promise((r) => setTimeout(r, workload.warmupMs));
  process.send!({ window: "open" });
  await new Promise((r) => setTimeout(r, workload.durationMs));
  process.send!({ window: "close" });
  pacer.stop();
  return rec.report();
}

/** The child-process side: waits for { cmd: "run" }, answers { report } or { error }, then exits. */
export function serveRun<M extends { cmd: string }>(run: (m: M) => Promise<unknown>): void {
  process.on("message", (m: M) => {
    if (m.cmd !== "run") return;
    run(m).then(
      (report) => process.send!({ report }, () => process.exit(0)),
      (e: unknown) => process.send!({ error: String(e) }, () => process.exit(1)),
    );
  });
}
