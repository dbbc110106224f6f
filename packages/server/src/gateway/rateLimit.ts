import { performance } from "node:perf_hooks";
import type { RateLimitConfig } from "../config.js";

/**
 * A token bucket: holds up to `burst` tokens, refilled at `perSecond`; each request takes one.
 * Runs on the monotonic clock, not the configurable wall clock, so that moving time in tests or a
 * wall-clock jump never refills (or drains) it.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = config.burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    const elapsed = Math.max(0, t - this.last);
    this.last = t;
    this.tokens = Math.min(this.config.burst, this.tokens + (elapsed * this.config.perSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
