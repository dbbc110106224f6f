/** Counts deliveries and records latencies inside the measurement window only. */
import { load1 } from "./env.js";
import { summarize } from "./stats.js";
import type { RunReport } from "./workload.js";

const MAX_SAMPLES = 2_000_000;

export class Recorder {
  private windowStart = Infinity;
  private windowEnd = Infinity;
  private samples = new Float64Array(MAX_SAMPLES);
  private n = 0;
  sent = 0;
  confirmed = 0;
  deliveries = 0;
  errors = 0;

  open(now: number, durationMs: number): void {
    this.windowStart = now;
    this.windowEnd = now + durationMs;
  }

  /** A message was sent that was due at `dueAt`: does it count? */
  inWindow(t: number): boolean {
    return t >= this.windowStart && t < this.windowEnd;
  }

  /** One recipient received a message that was due at `dueAt` (performance.now() clock). */
  delivered(dueAt: number, now: number): void {
    if (!this.inWindow(now)) return;
    this.deliveries++;
    if (this.inWindow(dueAt) && this.n < MAX_SAMPLES) this.samples[this.n++] = now - dueAt;
  }

  report(): RunReport {
    const measuredMs = this.windowEnd - this.windowStart;
    return {
      sent: this.sent,
      confirmed: this.confirmed,
      deliveries: this.deliveries,
      measuredMs: Math.round(measuredMs),
      deliveriesPerSec: Math.round(this.deliveries / (measuredMs / 1000)),
      messagesPerSec: Math.round(this.confirmed / (measuredMs / 1000)),
      latencyMs: summarize(this.samples.subarray(0, this.n)),
      errors: this.errors,
      load1: load1(),
    };
  }
}
