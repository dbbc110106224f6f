/**
 * What every result records about where it was measured: the machine, the load on it (other
 * engineers share this host, so numbers are noisy), the date and the commit.
 */
import { execFileSync } from "node:child_process";
import os from "node:os";

export interface RunEnvironment {
  date: string;
  commit: string;
  dirty: boolean;
  node: string;
  cpus: { count: number; model: string };
  memoryGiB: number;
  loadavg: number[];
  platform: string;
}

function git(args: string[]): string {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

export function environment(): RunEnvironment {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "--short", "HEAD"]),
    dirty: git(["status", "--porcelain", "--untracked-files=no"]) !== "",
    node: process.version,
    cpus: { count: cpus.length, model: cpus[0]?.model ?? "unknown" },
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

/** The load average right now, to store next to each individual number. */
export function load1(): number {
  return Math.round(os.loadavg()[0]! * 100) / 100;
}
