import { median } from "./stats.js";

/**
 * The fan-out workload, shared by the Parley and XMPP load generators so both servers are driven
 * identically: `senders` of the room's occupants send payloads of `payloadBytes` (the size of a
 * padded MLS ciphertext); either at a fixed total rate (open loop) or each keeping `window`
 * messages in flight (closed loop: the next goes when the server confirms one).
 */
export interface Workload {
  mode: "open" | "closed";
  /** Open loop: messages per second in total, spread over the senders. */
  rate: number;
  /** Closed loop: messages each sender keeps in flight. */
  window: number;
  /** How many occupants of each room send. */
  sendersPerRoom: number;
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
}

/** What a load generator reports for one run. */
export interface RunReport {
  sent: number;
  /** Messages confirmed by the server (Parley: the message.send reply; XMPP: the MUC echo). */
  confirmed: number;
  deliveries: number;
  measuredMs: number;
  deliveriesPerSec: number;
  messagesPerSec: number;
  latencyMs: { count: number; p50: number; p99: number; p999: number; max: number };
  errors: number;
  load1: number;
}

/** A Parley MLS application message with a 120-byte plaintext is 345 bytes (bench/crypto). */
export const MLS_CIPHERTEXT_BYTES = 345;

/**
 * Drives sends: in open loop, a 2 ms tick releases what is due by then (no coordinated omission:
 * a late tick sends the backlog and latency is measured from when each was due); in closed loop,
 * `onConfirm` releases the next.
 */
export class Pacer {
  private timer: NodeJS.Timeout | null = null;
  private released = 0;
  private started = 0;
  constructor(
    private readonly w: Workload,
    private readonly senders: number,
    private readonly send: (sender: number, dueAt: number) => void,
  ) {}

  start(): void {
    this.started = performance.now();
    if (this.w.mode === "closed") {
      for (let s = 0; s < this.senders; s++) for (let i = 0; i < this.w.window; i++) this.send(s, performance.now());
      return;
    }
    const interval = 1000 / this.w.rate;
    this.timer = setInterval(() => {
      const now = performance.now();
      const due = Math.floor((now - this.started) / interval);
      while (this.released < due) {
        this.send(this.released % this.senders, this.started + this.released * interval);
        this.released++;
      }
    }, 2);
  }

  onConfirm(sender: number): void {
    if (this.w.mode === "closed" && this.timer === null && this.started > 0 && !this.stopped) this.send(sender, performance.now());
  }

  private stopped = false;
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** The medians of repeated runs of one scenario: what the tables and the ratios are built from. */
export function summarizeRuns(runs: Array<RunReport & { serverCpuUsPerDelivery: number; serverRssMiB: number }>) {
  return {
    deliveriesPerSec: median(runs.map((r) => r.deliveriesPerSec)),
    messagesPerSec: median(runs.map((r) => r.messagesPerSec)),
    p50Ms: median(runs.map((r) => r.latencyMs.p50)),
    p99Ms: median(runs.map((r) => r.latencyMs.p99)),
    p999Ms: median(runs.map((r) => r.latencyMs.p999)),
    serverCpuUsPerDelivery: median(runs.map((r) => r.serverCpuUsPerDelivery)),
    serverRssMiB: median(runs.map((r) => r.serverRssMiB)),
  };
}
