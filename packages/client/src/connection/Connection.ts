import {
  FrameCodec,
  type PushFrame,
  type RequestBody,
  type RequestResult,
  type RequestType,
} from "@parley/protocol";
import { ClientErrorCode, ParleyError } from "../errors.js";
import { OPEN, type SocketFactory, type SocketLike } from "./socket.js";

export interface ConnectionOptions {
  url: string;
  socketFactory: SocketFactory;
  codec?: FrameCodec;
  /** How long a request may wait for its reply. */
  requestTimeoutMs?: number;
  /** How long opening the socket may take. */
  connectTimeoutMs?: number;
}

interface Pending {
  type: RequestType;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One WebSocket to a Parley server: numbered requests with typed replies, pushes handed to a
 * listener, every server frame checked against the protocol schemas. It does not reconnect; the
 * Session above it does.
 */
export class Connection {
  private socket: SocketLike | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly codec: FrameCodec;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  onPush: (frame: PushFrame) => void = () => {};
  onClose: (code: number, reason: string) => void = () => {};

  constructor(private readonly options: ConnectionOptions) {
    this.codec = options.codec ?? new FrameCodec();
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  get isOpen(): boolean {
    return this.socket?.readyState === OPEN;
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let socket: SocketLike;
      try {
        socket = this.options.socketFactory(this.options.url);
      } catch (e) {
        reject(new ParleyError(ClientErrorCode.Disconnected, `cannot connect to ${this.options.url}: ${(e as Error).message}`));
        return;
      }
      this.socket = socket;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        socket.close();
        reject(new ParleyError(ClientErrorCode.Disconnected, `timed out connecting to ${this.options.url}`));
      }, this.connectTimeoutMs);
      socket.onopen = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      };
      socket.onerror = (ev) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const msg = (ev as { message?: string; error?: Error }).message ?? (ev as { error?: Error }).error?.message ?? "connection failed";
        reject(new ParleyError(ClientErrorCode.Disconnected, `cannot connect to ${this.options.url}: ${msg}`));
      };
      socket.onclose = (ev) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(new ParleyError(ClientErrorCode.Disconnected, `connection to ${this.options.url} closed (${ev.code})`));
        }
        this.failAll(new ParleyError(ClientErrorCode.Disconnected, `connection closed (${ev.code}${ev.reason ? ": " + ev.reason : ""})`));
        this.onClose(ev.code, ev.reason);
      };
      socket.onmessage = (ev) => this.receive(ev.data);
    });
  }

  /** Sends a request and resolves with its validated result; rejects with a ParleyError. */
  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<RequestResult<T>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== OPEN) {
      return Promise.reject(new ParleyError(ClientErrorCode.Disconnected, "not connected"));
    }
    const id = this.nextId++;
    if (this.nextId > 2 ** 31 - 1) this.nextId = 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ParleyError(ClientErrorCode.Timeout, `${type} got no reply in ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.set(id, { type, resolve: resolve as (v: unknown) => void, reject, timer });
      socket.send(JSON.stringify({ id, type, body }));
    });
  }

  close(code = 1000, reason = ""): void {
    this.socket?.close(code, reason);
  }

  private receive(data: unknown): void {
    const text = typeof data === "string" ? data : data instanceof Uint8Array ? new TextDecoder().decode(data) : String(data);
    const parsed = this.codec.parseServerFrame(text);
    if (parsed.kind === "invalid") {
      // A server that breaks the protocol is not to be trusted with the rest of this connection.
      this.failAll(new ParleyError(ClientErrorCode.BadServerFrame, `server sent an invalid frame: ${parsed.message}`));
      this.socket?.close(1002, "invalid frame");
      return;
    }
    if (parsed.kind === "push") {
      this.onPush(parsed.frame);
      return;
    }
    const reply = parsed.reply;
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.type === "error") {
      p.reject(new ParleyError(reply.code, reply.message, reply.details));
    } else if (!this.codec.checkResult(p.type, reply.result)) {
      p.reject(new ParleyError(ClientErrorCode.BadServerFrame, `server sent an invalid result for ${p.type}`));
    } else {
      p.resolve(reply.result);
    }
  }

  private failAll(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(err);
      this.pending.delete(id);
    }
  }
}
