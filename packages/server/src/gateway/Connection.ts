import { performance } from "node:perf_hooks";
import { WebSocket, type RawData } from "ws";
import {
  CloseCode,
  ErrorCode,
  type ErrorReply,
  type FrameCodec,
  type ParsedRequest,
  type RequestType,
} from "@parley/protocol";
import type { OpaqueServer } from "../auth/opaque.js";
import { sessionName } from "../auth/tokens.js";
import { topics, type Bus } from "../bus/Bus.js";
import type { ServerConfig } from "../config.js";
import { Pusher } from "../delivery/Pusher.js";
import {
  ProtocolError,
  type ConnectionControl,
  type HandlerContext,
  type HandlerTable,
  type RunHandler,
  type RunHandlerTable,
  type RunType,
  type SessionState,
} from "../handlers/context.js";
import { describeError, type Logger } from "../log.js";
import type { Store } from "../store/Store.js";
import { TokenBucket } from "./rateLimit.js";

export interface GatewayDeps {
  config: ServerConfig;
  codec: FrameCodec;
  store: Store;
  bus: Bus;
  opaque: OpaqueServer;
  log: Logger;
  handlers: HandlerTable;
  runHandlers: RunHandlerTable;
}

type OkRequest = Extract<ParsedRequest, { kind: "ok" }>;

/** setTimeout's limit; longer delays are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** The OPAQUE steps that cost the server real work, limited separately. */
const AUTH_TYPES: ReadonlySet<RequestType> = new Set(["register.start", "login.start"]);
/**
 * Device requests that only move the device's own delivery positions, and so skip the per-request
 * revocation re-read (one device row read per ack was a tenth of the small-rooms fan-out profile).
 * Sound because revocation removes the device from every conversation and deletes its queued
 * Welcomes in the same transaction, and closes its connections through the bus: an ack that slips
 * in before the close can move only a cursor that has nothing left to deliver.
 */
const OWN_POSITION_TYPES: ReadonlySet<RequestType> = new Set(["delivery.ack", "welcome.ack"]);
/**
 * Device requests whose store write refuses a revoked device by itself, and so also skip the
 * re-read: the store appends a message only from an active member of the conversation, and
 * revocation removes the device from every conversation in its own transaction. When the store
 * refuses, the handler looks whether the device was revoked, to answer as the gate would have.
 */
const STORE_CHECKED_TYPES: ReadonlySet<RequestType> = new Set(["message.send"]);
const rereadsDevice = (type: RequestType) => !OWN_POSITION_TYPES.has(type) && !STORE_CHECKED_TYPES.has(type);
/**
 * At most this many back-to-back requests run together, and (a run is written to the store in one
 * synchronous group commit, which every connection of the process waits for) at most this many
 * ciphertext bytes of sends, beyond the first request. A run in progress counts against
 * maxQueuedRequests (see `outstanding`), so a client has no more requests outstanding than
 * without runs.
 */
const MAX_RUN = 64;
const MAX_RUN_BYTES = 1 << 20;
let nextConnectionId = 1;

/**
 * One WebSocket client: parses every frame, gates it by auth level, runs requests in arrival
 * order, replies, and (once a device session is established) runs its Pusher.
 *
 * Requests run one at a time, each after the previous one has been answered, except a run of
 * back-to-back `message.send` and `delivery.ack` requests (a client pipelining its messages and
 * acks): those run together (handleRun). One at a time, a busy device's next send waited for its
 * previous one's group commit, so each connection got at most one write into each commit; the
 * fan-out benchmark's room of 10 went from about 31k to about 80k deliveries/s with runs
 * (docs/performance.md).
 */
export class Connection implements ConnectionControl {
  readonly id = nextConnectionId++;
  session: SessionState | null = null;
  pendingLogin: { username: string; serverLoginState: string } | null = null;
  pendingRegistration: string | null = null;
  /** Resolves once the socket is closed and everything is released. */
  readonly closed: Promise<void>;

  private readonly ctx: HandlerContext;
  private readonly queue: OkRequest[] = [];
  private processing = false;
  /**
   * Requests accepted and not yet answered: the one (or the run) being handled and those waiting.
   * maxQueuedRequests may wait besides the one being handled; a run counts whole.
   */
  private outstanding = 0;
  /** The request loop now running, if any (see settled()). */
  private loop: Promise<void> = Promise.resolve();
  /** Pushers of this connection that may still be in a store read (see settled()). */
  private readonly pushLoops: Promise<void>[] = [];
  private inFlight = false;
  private readonly afterReply: (() => void)[] = [];
  private pendingClose: { code: number; reason: string } | null = null;
  private badFrames = 0;
  private rejectedInRow = 0;
  private readonly requests: TokenBucket;
  private readonly authAttempts: TokenBucket;
  private authTimer: NodeJS.Timeout | null;
  private expiryTimer: NodeJS.Timeout | null = null;
  private terminateTimer: NodeJS.Timeout | null = null;
  private readonly subscriptions: (() => void)[] = [];
  private pusher: Pusher | null = null;
  private readonly drainWaiters = new Set<(open: boolean) => void>();
  private corked = false;
  private closing = false;
  private released = false;
  private resolveClosed!: () => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly deps: GatewayDeps,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.ctx = {
      store: deps.store,
      bus: deps.bus,
      opaque: deps.opaque,
      config: deps.config,
      log: deps.log,
      connection: this,
    };
    this.requests = new TokenBucket(deps.config.rateLimit);
    this.authAttempts = new TokenBucket(deps.config.authRateLimit);
    this.authTimer = setTimeout(() => {
      if (!this.session) this.close(CloseCode.AuthTimeout, "authentication timeout");
    }, deps.config.authTimeoutMs);
    ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    ws.on("close", (code) => this.release(code));
    ws.on("error", (error) => deps.log.warn("socket error", { conn: this.id, ...describeError(error) }));
    deps.log.info("connection opened", { conn: this.id });
  }

  // --- ConnectionControl (used by handlers) ---------------------------------------------------

  establish(session: SessionState): void {
    this.session = session;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
    const name = sessionName(session.tokenHash);
    this.subscriptions.push(
      this.deps.bus.subscribe(topics.session(name), (e) => {
        if (e.type === "sessionEnded") this.end(CloseCode.SessionRevoked, "session ended");
      }),
    );
    this.armExpiry();
    if (session.deviceId !== null) this.startDevice(session.deviceId);
  }

  bindDevice(deviceId: string): void {
    if (!this.session) return;
    this.session = { ...this.session, deviceId };
    this.startDevice(deviceId);
  }

  closeAfterReply(code: CloseCode, reason: string): void {
    this.pendingClose ??= { code, reason };
  }

  ackPosition(conversationId: string, seq: number): number | null {
    return this.pusher?.ackPosition(conversationId, seq) ?? null;
  }

  // --- frames in ------------------------------------------------------------------------------

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closing) return;
    if (isBinary) {
      this.rejectFrame(0, ErrorCode.BadFrame, "frames must be JSON text");
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    const parsed = this.deps.codec.parseRequest(bytes);
    if (parsed.kind === "error") {
      this.rejectFrame(parsed.id, parsed.code, parsed.message);
      return;
    }
    const limited =
      !this.requests.take() ||
      (AUTH_TYPES.has(parsed.type) && !this.authAttempts.take()) ||
      this.outstanding > this.deps.config.maxQueuedRequests;
    if (limited) {
      this.reply({ id: parsed.id, type: "error", code: ErrorCode.RateLimited, message: "too many requests; slow down" });
      const max = AUTH_TYPES.has(parsed.type)
        ? this.deps.config.authRateLimit.closeAfterRejected
        : this.deps.config.rateLimit.closeAfterRejected;
      if (++this.rejectedInRow >= max) this.close(CloseCode.RateLimited, "rate limit exceeded");
      return;
    }
    this.rejectedInRow = 0;
    this.outstanding++;
    this.queue.push(parsed);
    if (this.processing) return;
    // Started once the frames that arrived with this one are queued too (ws emits the messages of
    // one socket read back to back): then a pipelined burst is one run from its first request.
    this.processing = true;
    queueMicrotask(() => {
      this.loop = this.drainQueue().catch((error: unknown) => {
        // handle() turns every handler failure into a reply; reaching here is a bug in the gateway.
        this.deps.log.error("request loop failed", { conn: this.id, ...describeError(error) });
        this.close(CloseCode.InternalError, "internal error");
      });
    });
  }

  /** An invalid frame: its error reply, and the connection closes once they add up. */
  private rejectFrame(id: number, code: ErrorCode, message: string): void {
    this.deps.log.info("bad frame", { conn: this.id, outcome: code });
    this.reply({ id, type: "error", code, message });
    if (++this.badFrames >= this.deps.config.maxBadFrames) this.close(CloseCode.TooManyErrors, "too many invalid frames");
  }

  /** Runs the queue until it is empty; onMessage has set `processing`. */
  private async drainQueue(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.closing) {
        const run = this.takeRun();
        if (run.length === 1) await this.handle(run[0]!);
        else await this.handleRun(run);
        this.outstanding -= run.length;
      }
    } finally {
      this.processing = false;
    }
  }

  private async handle(req: OkRequest): Promise<void> {
    const started = performance.now();
    let outcome: string = "ok";
    this.inFlight = true;
    try {
      const refused = await this.gate(req);
      if (refused) {
        outcome = this.refuse(req, refused);
        return;
      }
      const handler = this.deps.handlers[req.type] as (ctx: HandlerContext, body: unknown) => Promise<unknown>;
      outcome = this.answer(req, { result: await handler(this.ctx, req.body) });
    } catch (error) {
      outcome = this.answer(req, { error });
    } finally {
      this.inFlight = false;
      this.deps.log.info("request", {
        conn: this.id,
        type: req.type,
        outcome,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
      this.runAfterReply();
    }
  }

  /** The next request, with the run-together requests right behind it if it is one itself. */
  private takeRun(): OkRequest[] {
    const run = [this.queue.shift()!];
    if (!this.isRunType(run[0]!.type)) return run;
    let bytes = 0;
    for (;;) {
      const next = this.queue[0];
      if (next === undefined || run.length >= MAX_RUN || !this.isRunType(next.type)) break;
      bytes += next.type === "message.send" ? (next.body as { ciphertext: string }).ciphertext.length : 0;
      if (bytes > MAX_RUN_BYTES) break;
      run.push(this.queue.shift()!);
    }
    return run;
  }

  private isRunType(type: RequestType): type is RunType {
    return Object.hasOwn(this.deps.runHandlers, type);
  }

  /**
   * Runs back-to-back sends and acks together, and answers each. The sends go to the store in one
   * call, in arrival order, so they keep that order in the log and share one group commit. The
   * acks only move this device's cursors forward (to the highest, whatever their order), so they
   * run beside the sends; they are started first, so in SQLite's group commit their cursor moves
   * come before the appends, and a send then passes the cursor over the device's own new entry
   * as it would have had the acks been answered first. The run passes one gate: every run type
   * needs this session's device and none re-reads it (rereadsDevice), so one gate serves them all.
   */
  private async handleRun(run: OkRequest[]): Promise<void> {
    const started = performance.now();
    const outcomes: (string | null)[] = run.map(() => null);
    this.inFlight = true;
    try {
      const refused = await this.gate(run[0]!);
      if (refused) {
        run.forEach((req, i) => (outcomes[i] = this.refuse(req, refused)));
        return;
      }
      const answers = new Array<Promise<unknown>>(run.length);
      // In the table's order (acks first): see runHandlers.
      for (const type of Object.keys(this.deps.runHandlers) as RunType[]) {
        const indexes = run.flatMap((r, i) => (r.type === type ? [i] : []));
        if (indexes.length === 0) continue;
        const handler = this.deps.runHandlers[type] as RunHandler<RunType>;
        let replies: Promise<unknown>[];
        try {
          replies = handler(this.ctx, indexes.map((i) => run[i]!.body as never));
          if (replies.length !== indexes.length) throw new Error(`${type}: ${replies.length} answers for ${indexes.length} requests`);
        } catch (error) {
          replies = indexes.map(() => Promise.reject(error));
        }
        indexes.forEach((runIndex, k) => (answers[runIndex] = replies[k]!));
      }
      const settled = await Promise.allSettled(answers);
      settled.forEach((s, i) => {
        outcomes[i] = this.answer(run[i]!, s.status === "fulfilled" ? { result: s.value } : { error: s.reason });
      });
    } catch (error) {
      // Outside the handlers (the gate, a reply that would not serialize): a bug, but every
      // request still gets an answer.
      run.forEach((req, i) => {
        if (outcomes[i] === null) outcomes[i] = this.answer(req, { error });
      });
    } finally {
      this.inFlight = false;
      const ms = Math.round((performance.now() - started) * 10) / 10;
      run.forEach((req, i) => this.deps.log.info("request", { conn: this.id, type: req.type, outcome: outcomes[i] ?? ErrorCode.Internal, ms }));
      this.runAfterReply();
    }
  }

  /** Answers a request the gate refused; asking without the right auth level counts as a bad frame. */
  private refuse(req: OkRequest, refused: ProtocolError): string {
    this.replyError(req.id, refused);
    if (refused.code === ErrorCode.Unauthenticated || refused.code === ErrorCode.DeviceRequired) {
      if (++this.badFrames >= this.deps.config.maxBadFrames) this.closeAfterReply(CloseCode.TooManyErrors, "too many invalid frames");
    }
    return refused.code;
  }

  /** Sends a handler's answer (a result, a ProtocolError, or a failure) as the reply; returns the outcome logged. */
  private answer(req: OkRequest, settled: { result: unknown } | { error: unknown }): string {
    if (!("error" in settled) && !(settled.result instanceof ProtocolError)) {
      this.reply({ id: req.id, type: "ok", result: settled.result });
      return "ok";
    }
    const failure = "error" in settled ? settled.error : settled.result;
    if (failure instanceof ProtocolError) {
      this.replyError(req.id, failure);
      return failure.code;
    }
    this.deps.log.error("request failed", { conn: this.id, type: req.type, ...describeError(failure) });
    this.reply({ id: req.id, type: "error", code: ErrorCode.Internal, message: "internal server error" });
    return ErrorCode.Internal;
  }

  /** Whether the connection may send this request now: the auth level, expiry, revocation. */
  private async gate(req: OkRequest): Promise<ProtocolError | null> {
    if (req.auth === "none") return null;
    const session = this.session;
    if (!session) return new ProtocolError(ErrorCode.Unauthenticated, `${req.type} needs a session`);
    if (session.expiresAt <= this.deps.config.now()) {
      this.closeAfterReply(CloseCode.SessionRevoked, "session expired");
      return new ProtocolError(ErrorCode.SessionInvalid, "this session has expired");
    }
    if (req.auth === "session") return null;
    if (session.deviceId === null) {
      return new ProtocolError(ErrorCode.DeviceRequired, `${req.type} needs a session bound to a device`);
    }
    if (!rereadsDevice(req.type)) return null;
    // Revocation closes live connections through the bus; this catches the race with a request
    // already on its way.
    // Only the revocation column: reading the whole row, credential included, was most of this check's cost.
    if (!(await this.deps.store.isDeviceActive(session.deviceId))) {
      this.closeAfterReply(CloseCode.SessionRevoked, "device revoked");
      return new ProtocolError(ErrorCode.SessionInvalid, "this device was revoked");
    }
    return null;
  }

  private runAfterReply(): void {
    for (const action of this.afterReply.splice(0)) action();
    const pending = this.pendingClose;
    if (pending) {
      this.pendingClose = null;
      this.close(pending.code, pending.reason);
    }
  }

  /** Closes now, or right after the reply in progress. */
  private end(code: number, reason: string): void {
    if (this.inFlight) this.pendingClose ??= { code, reason };
    else this.close(code, reason);
  }

  // --- frames out -----------------------------------------------------------------------------

  private replyError(id: number, e: ProtocolError): void {
    const reply: ErrorReply = { id, type: "error", code: e.code, message: e.message };
    if (e.details) reply.details = e.details;
    this.reply(reply);
  }

  /** Replies: nothing waits on them, so they skip send()'s promise and drain bookkeeping. */
  private reply(frame: object): void {
    this.write(JSON.stringify(frame));
  }

  /**
   * Holds this turn's frames (replies and pushes) in the socket and writes them with one syscall
   * after the turn: under load a connection sends several frames per turn, and one write each
   * was the largest single cost in the fan-out profile (docs/performance.md).
   * `_socket` is ws's underlying net.Socket.
   */
  private cork(): void {
    if (this.corked) return;
    const socket = (this.ws as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    if (socket === undefined) return;
    this.corked = true;
    socket.cork();
    setImmediate(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  /**
   * Queues a frame on the socket; false if the connection is gone, or past the hard cap of the
   * send buffer (the client is too slow: the connection closes). `sent` hears when the frame has
   * been handed to the OS.
   */
  private write(text: string, sent?: (error?: Error) => void): boolean {
    if (this.closing || this.ws.readyState !== WebSocket.OPEN) return false;
    if (this.ws.bufferedAmount + text.length > this.deps.config.sendBufferMaxBytes) {
      this.close(CloseCode.SlowConsumer, "send buffer overflow");
      return false;
    }
    try {
      this.cork();
      this.ws.send(text, sent);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A push: resolves at once while the send buffer stays below its high-water mark, otherwise
   * when this frame has been handed to the OS (the Pusher waits there: backpressure); false once
   * the connection is gone.
   */
  private send(text: string): Promise<boolean> {
    if (this.ws.bufferedAmount + text.length <= this.deps.config.sendBufferHighWaterBytes) {
      return Promise.resolve(this.write(text));
    }
    return new Promise((resolve) => {
      let settled = false;
      const settle = (open: boolean) => {
        if (settled) return;
        settled = true;
        this.drainWaiters.delete(settle);
        resolve(open);
      };
      this.drainWaiters.add(settle);
      if (!this.write(text, (error) => settle(!error && !this.closing))) settle(false);
    });
  }

  // --- device delivery ------------------------------------------------------------------------

  private startDevice(deviceId: string): void {
    this.subscriptions.push(
      this.deps.bus.subscribe(topics.device(deviceId), (e) => {
        if (e.type === "revoked") this.end(CloseCode.SessionRevoked, "device revoked");
      }),
    );
    // Deliveries start after the reply that established the session.
    this.afterReply.push(() => {
      if (this.closing || this.pusher) return;
      this.pusher = new Pusher({
        store: this.deps.store,
        bus: this.deps.bus,
        deviceId,
        limits: this.deps.codec.limits,
        sink: (frame) => this.send(frame),
        onFailure: (error) => {
          this.deps.log.error("delivery failed", { conn: this.id, ...describeError(error) });
          this.close(CloseCode.InternalError, "delivery failed");
        },
      });
      this.pusher.start();
    });
  }

  private armExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const session = this.session;
    if (!session) return;
    const remaining = session.expiresAt - this.deps.config.now();
    if (remaining <= 0) {
      this.end(CloseCode.SessionRevoked, "session expired");
      return;
    }
    this.expiryTimer = setTimeout(() => this.armExpiry(), Math.min(remaining, MAX_TIMER_MS));
    this.expiryTimer.unref();
  }

  // --- closing --------------------------------------------------------------------------------

  /** Closes with `code` (once); cuts the socket if the client does not answer in time. */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.deps.log.info("closing connection", { conn: this.id, code, reason });
    this.stopWork();
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
    this.terminateTimer = setTimeout(() => this.ws.terminate(), this.deps.config.shutdownGraceMs);
    this.terminateTimer.unref();
  }

  /**
   * Resolves once no request handler or push loop of this connection is still running: after
   * close, so the server can close its store without pulling it from under a handler.
   */
  async settled(): Promise<void> {
    await Promise.all([this.loop, ...this.pushLoops]);
  }

  private stopWork(): void {
    this.outstanding -= this.queue.length;
    this.queue.length = 0;
    if (this.pusher) this.pushLoops.push(this.pusher.settled());
    this.pusher?.stop();
    this.pusher = null;
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    for (const timer of [this.authTimer, this.expiryTimer]) if (timer) clearTimeout(timer);
    this.authTimer = this.expiryTimer = null;
    for (const waiter of [...this.drainWaiters]) waiter(false);
  }

  private release(code: number): void {
    if (this.released) return;
    this.released = true;
    this.closing = true;
    this.stopWork();
    if (this.terminateTimer) clearTimeout(this.terminateTimer);
    this.deps.log.info("connection closed", { conn: this.id, code, authenticated: this.session !== null });
    this.resolveClosed();
  }
}
