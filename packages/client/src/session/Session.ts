import { ErrorCode, type PushFrame, type RequestBody, type RequestResult, type RequestType } from "@parley/protocol";
import { Connection } from "../connection/Connection.js";
import type { SocketFactory } from "../connection/socket.js";
import { ClientErrorCode, ParleyError, isParleyError } from "../errors.js";
import type { ConnectionState } from "../events.js";
import { sleep } from "../util/mutex.js";

export interface SessionOptions {
  /** One or more server URLs (ws:// or wss://, path /ws); on failure the next one is tried. */
  urls: string[];
  socketFactory: SocketFactory;
  token: string;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  onPush: (frame: PushFrame) => void;
  /** Called after every successful (re)authentication, before requests queued meanwhile run. */
  onOnline: () => void;
  onState: (state: ConnectionState, detail?: string) => void;
  /** The server no longer accepts the token: stop and tell the user to log in again. */
  onSessionEnded: (code: string) => void;
}

/**
 * A logged-in device's lasting link to the server: connects, resumes the session with its token,
 * and when the socket drops, reconnects with exponential backoff and jitter and resumes again,
 * moving on to the next of its URLs (other instances sharing one database) each time.
 * Requests made while offline wait for the link to come back (up to their timeout).
 */
export class Session {
  private conn: Connection | undefined;
  private stopped = false;
  private online = false;
  private waiters: Array<() => void> = [];
  private urlIndex = 0;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: SessionOptions) {}

  get isOnline(): boolean {
    return this.online;
  }

  /** Starts the connect loop; resolves once online the first time (or rejects if the session is invalid). */
  start(): Promise<void> {
    const first = new Promise<void>((resolve, reject) => {
      this.firstResult = { resolve, reject };
    });
    this.loop = this.run();
    return first;
  }

  private firstResult: { resolve: () => void; reject: (e: Error) => void } | undefined;

  private async run(): Promise<void> {
    let attempt = 0;
    const min = this.opts.minBackoffMs ?? 250;
    const max = this.opts.maxBackoffMs ?? 10_000;
    while (!this.stopped) {
      const url = this.opts.urls[this.urlIndex % this.opts.urls.length]!;
      this.opts.onState("connecting", url);
      const conn = new Connection({ url, socketFactory: this.opts.socketFactory, requestTimeoutMs: this.opts.requestTimeoutMs });
      const closed = new Promise<void>((resolve) => {
        conn.onClose = () => resolve();
      });
      conn.onPush = (f) => this.opts.onPush(f);
      try {
        await conn.open();
        await conn.request("session.resume", { token: this.opts.token });
      } catch (e) {
        conn.close();
        if (isParleyError(e, ErrorCode.SessionInvalid) || isParleyError(e, ErrorCode.DeviceRevoked)) {
          this.stopped = true;
          this.opts.onState("closed", "session ended");
          this.opts.onSessionEnded((e as ParleyError).code);
          this.firstResult?.reject(e as Error);
          this.firstResult = undefined;
          this.releaseWaiters();
          return;
        }
        attempt++;
        this.urlIndex++;
        this.opts.onState("offline", (e as Error).message);
        const delay = Math.min(max, min * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
        await sleep(delay);
        continue;
      }
      attempt = 0;
      this.conn = conn;
      this.online = true;
      this.opts.onState("online", url);
      this.opts.onOnline();
      this.firstResult?.resolve();
      this.firstResult = undefined;
      this.releaseWaiters();
      await closed;
      this.online = false;
      this.conn = undefined;
      // That server went away: try another instance of the deployment first (with one URL, the same).
      this.urlIndex++;
      if (!this.stopped) {
        this.opts.onState("offline", "connection lost");
        await sleep(min * (0.5 + Math.random()));
      }
    }
  }

  private releaseWaiters(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async waitOnline(timeoutMs: number): Promise<Connection> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stopped) {
      if (this.online && this.conn?.isOpen) return this.conn;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    throw new ParleyError(ClientErrorCode.Disconnected, this.stopped ? "session stopped" : "server unreachable");
  }

  async request<T extends RequestType>(type: T, body: RequestBody<T>, timeoutMs = 30_000): Promise<RequestResult<T>> {
    const conn = await this.waitOnline(timeoutMs);
    return conn.request(type, body);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.conn?.close(1000, "bye");
    this.releaseWaiters();
    this.firstResult?.reject(new ParleyError(ClientErrorCode.Disconnected, "session stopped"));
    this.firstResult = undefined;
    await this.loop?.catch(() => undefined);
    this.opts.onState("closed");
  }
}

/**
 * Sends a request whose body carries its own idempotency key (a messageId) and retries it, as is,
 * when the link drops before the reply: the server answers a repeat with the original outcome, so
 * an uncertain send is never turned into a second message or a second commit.
 */
export async function requestIdempotent<T extends RequestType>(session: Session, type: T, body: RequestBody<T>, attempts = 6): Promise<RequestResult<T>> {
  for (let i = 1; ; i++) {
    try {
      return await session.request(type, body);
    } catch (e) {
      const transient = isParleyError(e, ClientErrorCode.Disconnected) || isParleyError(e, ClientErrorCode.Timeout);
      if (!transient || i >= attempts) throw e;
    }
  }
}
