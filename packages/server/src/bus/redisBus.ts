import { Redis, type RedisOptions } from "ioredis";
import { silentLogger, describeError, type Logger } from "../log.js";
import type { Bus, BusEvent, BusListener } from "./Bus.js";
import { safeCall } from "./memoryBus.js";

export interface RedisBusOptions {
  /** Prefixed to every channel, so that several deployments (or test runs) can share one Redis. */
  prefix?: string;
  log?: Logger;
  /** How long connect() waits for Redis before failing. */
  connectTimeoutMs?: number;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(["appended", "membership", "revoked", "sessionEnded"]);

/**
 * The Bus over Redis pub/sub, for several server instances: what one instance publishes reaches
 * the listeners of every instance at once. Two connections, as Redis requires: one in subscriber
 * mode, one for PUBLISH.
 *
 * Pub/sub is fire-and-forget: a message published while an instance's subscriber link is down is
 * lost for it. That is why every listener gets a `subscribed` event whenever its subscription
 * (re)becomes live, and re-reads the Store then: a lost event costs a read, never a message.
 */
export class RedisBus implements Bus {
  private readonly listeners = new Map<string, Set<BusListener>>();
  /** Channels whose SUBSCRIBE Redis has confirmed on the current link, or the pending confirmation. */
  private readonly subscribing = new Map<string, Promise<boolean>>();
  private readonly prefix: string;
  private readonly log: Logger;
  private closed = false;
  private hadLink = false;

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    options: RedisBusOptions,
  ) {
    this.prefix = options.prefix ?? "parley:";
    this.log = options.log ?? silentLogger;
    sub.on("message", (channel: string, message: string) => this.onMessage(channel, message));
    sub.on("ready", () => this.onReady());
    for (const [name, conn] of [["publisher", pub], ["subscriber", sub]] as const) {
      // ioredis reconnects by itself; an unhandled "error" event would end the process.
      conn.on("error", (error: Error) => this.log.warn(`redis ${name} error`, describeError(error)));
    }
  }

  /**
   * Connects to `url` (redis://[user:password@]host:port) and resolves once both links are up, or
   * rejects after connectTimeoutMs.
   *
   * @example
   * const bus = await RedisBus.connect("redis://127.0.0.1:6379", { prefix: "parley:" });
   */
  static async connect(url: string, options: RedisBusOptions = {}): Promise<RedisBus> {
    if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) throw new TypeError("url must be a redis:// or rediss:// URL");
    const timeout = options.connectTimeoutMs ?? 5_000;
    const common: RedisOptions = {
      lazyConnect: true,
      connectTimeout: timeout,
      // Subscriptions are re-made by this class, so that listeners can be told when they are live.
      autoResubscribe: false,
      retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    };
    // Named, so that an operator (or a test) can tell the links apart in CLIENT LIST.
    const name = `parley-bus-${(options.prefix ?? "parley:").replace(/[^A-Za-z0-9_.:-]/g, "_")}`;
    const pub = new Redis(url, { ...common, maxRetriesPerRequest: 3, connectionName: `${name}pub` });
    const sub = new Redis(url, { ...common, maxRetriesPerRequest: null, connectionName: `${name}sub` });
    const bus = new RedisBus(pub, sub, options);
    try {
      await withTimeout(Promise.all([pub.connect(), sub.connect()]), timeout, `redis did not answer within ${timeout} ms`);
    } catch (error) {
      pub.disconnect();
      sub.disconnect();
      throw error;
    }
    return bus;
  }

  async publish(topic: string, event: BusEvent): Promise<void> {
    if (this.closed || event.type === "subscribed") return;
    // Only ids and sequence numbers cross Redis, never contents: an appended event's entry hint
    // (the serialized message) stays in this process.
    const { entry: _entry, ...bare } = event as BusEvent & { entry?: unknown };
    await this.pub.publish(this.prefix + topic, JSON.stringify(bare));
  }

  subscribe(topic: string, listener: BusListener): () => void {
    if (this.closed) return () => {};
    let set = this.listeners.get(topic);
    if (!set) {
      set = new Set();
      this.listeners.set(topic, set);
    }
    set.add(listener);
    void this.live(topic).then((ok) => {
      if (ok && !this.closed && this.listeners.get(topic)?.has(listener)) safeCall(listener, { type: "subscribed", topic });
    });
    return () => {
      const current = this.listeners.get(topic);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(topic);
      this.subscribing.delete(topic);
      if (!this.closed) {
        this.sub.unsubscribe(this.prefix + topic).catch((error: unknown) => this.log.warn("redis unsubscribe failed", describeError(error)));
      }
    };
  }

  /** Topics with at least one listener (for leak checks in tests). */
  get topicCount(): number {
    return this.listeners.size;
  }

  /** Whether Redis answers (for health checks). */
  async ping(): Promise<boolean> {
    try {
      return (await withTimeout(this.pub.ping(), 1_000, "ping timed out")) === "PONG";
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    this.subscribing.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
    this.pub.disconnect();
    this.sub.disconnect();
  }

  /** Resolves true once Redis has confirmed the channel's SUBSCRIBE on the current link. */
  private live(topic: string): Promise<boolean> {
    let p = this.subscribing.get(topic);
    if (!p) {
      p = this.sub.subscribe(this.prefix + topic).then(
        () => true,
        (error: unknown) => {
          // Dropped with the link: onReady subscribes again and tells every listener.
          this.subscribing.delete(topic);
          this.log.warn("redis subscribe failed", describeError(error));
          return false;
        },
      );
      this.subscribing.set(topic, p);
    }
    return p;
  }

  /** After a reconnect: subscribe to every topic again, then tell each listener to re-read. */
  private onReady(): void {
    if (!this.hadLink) {
      this.hadLink = true;
      return;
    }
    if (this.closed) return;
    this.log.info("redis subscriber reconnected", { topics: this.listeners.size });
    this.subscribing.clear();
    for (const [topic, set] of this.listeners) {
      void this.live(topic).then((ok) => {
        if (!ok || this.closed) return;
        for (const listener of [...set]) if (set.has(listener)) safeCall(listener, { type: "subscribed", topic });
      });
    }
  }

  private onMessage(channel: string, message: string): void {
    if (this.closed || !channel.startsWith(this.prefix)) return;
    const set = this.listeners.get(channel.slice(this.prefix.length));
    if (!set) return;
    let event: BusEvent;
    try {
      event = JSON.parse(message) as BusEvent;
    } catch {
      this.log.warn("redis bus: unreadable message", { channel });
      return;
    }
    if (typeof event !== "object" || event === null || !EVENT_TYPES.has((event as { type?: string }).type ?? "")) {
      this.log.warn("redis bus: unknown event", { channel });
      return;
    }
    // Redis carries no contents: whatever arrives as an entry hint is not ours, and is dropped (a
    // forged hint would otherwise be pushed to devices as the conversation's next entry).
    if (event.type === "appended" && "entry" in event) delete event.entry;
    for (const listener of [...set]) if (set.has(listener)) safeCall(listener, event);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
