/**
 * What a scenario must undo however it ends (child processes, a bench database): registered as it
 * is acquired, run once in reverse order on a normal end, on an error, on SIGINT/SIGTERM/SIGHUP,
 * and when the scenario's overall deadline passes. The children also exit by themselves when this
 * process dies (they leave when their IPC channel closes), but a database would not.
 */
type Step = () => Promise<void> | void;

const steps: { name: string; step: Step }[] = [];
let running: Promise<void> | null = null;

/**
 * Registers `step` to run at clean-up (later registrations run first). Returns a function that
 * runs it now instead, for the normal path (a `finally`); either way it runs once.
 */
export function onCleanup(name: string, step: Step): () => Promise<void> {
  const entry = { name, step };
  steps.push(entry);
  return async () => {
    const i = steps.indexOf(entry);
    if (i < 0) return;
    steps.splice(i, 1);
    await step();
  };
}

/** Runs every registered step once, in reverse order; a failing step is reported and the rest still run. */
export function cleanup(): Promise<void> {
  running ??= (async () => {
    for (const { name, step } of steps.splice(0).reverse()) {
      try {
        await step();
      } catch (e) {
        console.error(`clean-up: ${name}: ${String(e)}`);
      }
    }
  })();
  return running;
}

/**
 * Cleans up and exits on a signal, and after `deadlineMs` at the latest (a bounded scenario must
 * not hang a suite). The deadline timer does not keep the process alive.
 */
export function cleanUpOnExit(deadlineMs: number): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  setTimeout(() => {
    console.error(`deadline of ${Math.round(deadlineMs / 1000)} s passed: cleaning up`);
    void cleanup().finally(() => process.exit(2));
  }, deadlineMs).unref();
}
