import assert from "node:assert/strict";
import { WebSocket } from "ws";
import {
  FrameCodec,
  type ErrorCode,
  type ErrorReply,
  type PushFrame,
  type Reply,
  type RequestBody,
  type RequestResult,
  type RequestType,
} from "@parley/protocol";

export interface Closed {
  code: number;
  reason: string;
}

const codec = new FrameCodec();

/**
 * A raw WebSocket client speaking hand-built frames. Every frame the server sends is checked the
 * way a real client would: replies and pushes against the protocol's schemas, and ok results
 * against their request type's result schema. Anything invalid fails the waiting test.
 */
export class TestClient {
  readonly closed: Promise<Closed>;
  /** Replies with id 0 (to frames without a readable id), in order. */
  readonly anonymousErrors: ErrorReply[] = [];
  /** Frames the server sent that a client would reject. */
  readonly violations: string[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { type: string; resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private readonly pushes: PushFrame[] = [];
  private pushWaiter: (() => void) | null = null;
  private anonymousWaiter: (() => void) | null = null;
  private isClosed = false;

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => {
        this.isClosed = true;
        for (const p of this.pending.values()) p.reject(new Error(`socket closed (${code}) before the reply`));
        this.pending.clear();
        this.pushWaiter?.();
        this.anonymousWaiter?.();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on("error", () => {});
    ws.on("message", (data) => this.onFrame(String(data)));
  }

  static connect(url: string): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const client = new TestClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("error", reject);
    });
  }

  private onFrame(raw: string): void {
    const parsed = codec.parseServerFrame(raw);
    if (parsed.kind === "invalid") {
      this.violations.push(`${parsed.message}: ${raw.slice(0, 200)}`);
      return;
    }
    if (parsed.kind === "push") {
      this.pushes.push(parsed.frame);
      this.pushWaiter?.();
      return;
    }
    const reply = parsed.reply;
    const waiter = this.pending.get(reply.id);
    if (!waiter) {
      if (reply.type === "error" && reply.id === 0) {
        this.anonymousErrors.push(reply);
        this.anonymousWaiter?.();
      } else {
        this.violations.push(`reply to unknown id ${reply.id}`);
      }
      return;
    }
    this.pending.delete(reply.id);
    if (reply.type === "ok" && !codec.checkResult(waiter.type as RequestType, reply.result)) {
      waiter.reject(new Error(`${waiter.type} result fails its schema: ${JSON.stringify(reply.result).slice(0, 300)}`));
      return;
    }
    waiter.resolve(reply);
  }

  /** Sends a request and resolves with its reply, whatever it is. */
  request<T extends RequestType>(type: T, body: RequestBody<T> | Record<string, unknown>): Promise<Reply> {
    return this.requestRaw(type, body);
  }

  /** Sends any type and body (for bad-frame tests), matching the reply by id. */
  requestRaw(type: string, body: unknown): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { type, resolve, reject });
      this.ws.send(JSON.stringify({ id, type, body }));
    });
  }

  async ok<T extends RequestType>(type: T, body: RequestBody<T>): Promise<RequestResult<T>> {
    const reply = await this.request(type, body);
    if (reply.type !== "ok") assert.fail(`${type} failed: ${reply.code} ${reply.message}`);
    return reply.result as RequestResult<T>;
  }

  /** Expects an error reply with `code`; returns it for further checks. */
  async fail<T extends RequestType>(type: T, body: RequestBody<T> | Record<string, unknown>, code: ErrorCode): Promise<ErrorReply> {
    const reply = await this.request(type, body);
    assert.equal(reply.type, "error", `${type} should fail with ${code}`);
    assert.equal((reply as ErrorReply).code, code, (reply as ErrorReply).message);
    return reply as ErrorReply;
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** The next error reply with id 0. */
  async nextAnonymousError(): Promise<ErrorReply> {
    while (this.anonymousErrors.length === 0) {
      if (this.isClosed) throw new Error("socket closed");
      await new Promise<void>((resolve) => (this.anonymousWaiter = resolve));
    }
    return this.anonymousErrors.shift()!;
  }

  /** The next push matching `match` (earlier non-matching pushes stay queued). */
  async nextPush<F extends PushFrame = PushFrame>(match: (f: PushFrame) => boolean = () => true, timeoutMs = 5000): Promise<F> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.pushes.findIndex(match);
      if (i !== -1) return this.pushes.splice(i, 1)[0] as F;
      if (this.isClosed) throw new Error("socket closed while waiting for a push");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a push");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.pushWaiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** Pushes received and not yet taken. */
  queuedPushes(): readonly PushFrame[] {
    return this.pushes;
  }

  async close(): Promise<Closed> {
    if (!this.isClosed) this.ws.close(1000);
    return this.closed;
  }
}
