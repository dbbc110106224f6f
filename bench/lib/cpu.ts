/**
 * CPU seconds a process (all its threads) has used, from /proc. On a shared, loaded machine the
 * throughput a server reaches depends on what else runs; the CPU time it spends per delivery
 * does much less, so every fan-out result carries both.
 */
import { readdirSync, readFileSync } from "node:fs";

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** The process's children, from /proc (every thread's children list; empty if it has exited). */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").split(" ").filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

/**
 * CPU seconds of a process and all its descendants alive now: a server started with --workers is
 * a primary and its worker processes, and all of them are the server's cost.
 */
export function treeCpuSeconds(pid: number): number {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      total += cpuSeconds(p);
    } catch {
      // exited between the listing and the read
    }
  }
  return total;
}

export function descendants(pid: number): number[] {
  const out: number[] = [];
  for (const child of childPids(pid)) out.push(child, ...descendants(child));
  return out;
}

export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

/** Samples a process's CPU time when the load generator opens and closes its measurement window. */
export class CpuWindow {
  private start = NaN;
  private end = NaN;
  constructor(private readonly pid: () => number) {}
  onMessage = (m: { window?: string }): void => {
    if (m.window === "open") this.start = treeCpuSeconds(this.pid());
    if (m.window === "close") this.end = treeCpuSeconds(this.pid());
  };
  seconds(): number {
    return Math.round((this.end - this.start) * 100) / 100;
  }
}
