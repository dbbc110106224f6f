import { UsageError } from "./errors.js";

/**
 * Turns what a user types (http://host:port, https://host, ws://host/ws, host:port) into the
 * WebSocket URL of the server's /ws endpoint.
 */
export function toWebSocketUrl(input: string): string {
  let text = input.trim();
  if (!/^[a-z]+:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a server URL: ${input}`);
  }
  const scheme = { "http:": "ws:", "https:": "wss:", "ws:": "ws:", "wss:": "wss:" }[url.protocol];
  if (!scheme) throw new UsageError(`unsupported scheme in ${input}: use http(s):// or ws(s)://`);
  url.protocol = scheme;
  if (url.pathname === "/" || url.pathname === "") url.pathname = "/ws";
  return url.toString();
}
