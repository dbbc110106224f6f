/** Child processes of the benchmark: TypeScript entry points run under tsx, with an IPC channel. */
import { fork, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");

export function forkTs(entry: string, args: string[] = [], nodeArgs: string[] = []): ChildProcess {
  return fork(path.join(BENCH_DIR, entry), args, {
    execArgv: ["--conditions=parley-src", "--import", "tsx", ...nodeArgs],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** The next IPC message from `child` with `key`, or a rejection when it exits first or time runs out. */
export function nextMessage<T>(child: ChildProcess, key: string, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`timed out waiting for "${key}" after ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (m: Record<string, unknown>) => {
      if (key in m) done(undefined, m as T);
      else if ("error" in m) done(new Error(String(m.error)));
    };
    const onExit = (code: number | null) => done(new Error(`child exited (${code}) before "${key}"`));
    const done = (e?: Error, v?: T) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (e) reject(e);
      else resolve(v!);
    };
    child.on("message", onMessage);
    child.on("exit", onExit);
  });
}

export function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(t);
      resolve();
    });
    // The IPC channel may be closing under us (the child is already on its way out): with a
    // callback, send() reports that as an error here (then SIGTERM) instead of an EPIPE thrown
    // at the whole run.
    if (child.connected) child.send({ cmd: "stop" }, (error) => (error ? child.kill("SIGTERM") : undefined));
    else child.kill("SIGTERM");
  });
}
