import type { SocketFactory, SocketLike } from "../connection/socket.js";

/** The browser's own WebSocket already has the shape the SDK uses. */
export const browserSocketFactory: SocketFactory = (url: string): SocketLike => new WebSocket(url) as unknown as SocketLike;

/** The server's WebSocket URL for a page it served: same host, wss:// under https. */
export function sameOriginServerUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}
