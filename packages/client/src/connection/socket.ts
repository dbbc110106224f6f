/**
 * The part of the WebSocket API the SDK uses, which both the browser's WebSocket and Node's `ws`
 * provide. The SDK never imports `ws` itself; Node callers pass a factory (see node/index.ts).
 */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export const OPEN = 1;
