import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { HttpHook } from "../config.js";
import type { Bus } from "../bus/Bus.js";
import type { Store } from "../store/Store.js";
import { describeError, type Logger } from "../log.js";

export const WS_PATH = "/ws";
export const HEALTH_PATH = "/healthz";

/** Headers on every HTTP response: no sniffing, no framing, no referrers; HSTS under TLS. */
export function setSecurityHeaders(res: ServerResponse, tls: boolean): void {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  if (tls) res.setHeader("Strict-Transport-Security", "max-age=31536000");
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  res.end(text);
}

export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/** Plain HTTP requests: /healthz, then the web app hook, then 404. */
export function createRequestHandler(opts: {
  store: Store;
  bus: Bus;
  tls: boolean;
  hook: HttpHook | null;
  log: Logger;
}): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    setSecurityHeaders(res, opts.tls);
    void (async () => {
      const path = pathOf(req);
      if (path === HEALTH_PATH) {
        if (req.method !== "GET" && req.method !== "HEAD") {
          res.setHeader("Allow", "GET, HEAD");
          return sendJson(res, 405, { error: "method not allowed" });
        }
        // A load balancer takes an instance out when either its database or its bus is gone.
        const [db, bus] = await Promise.all([opts.store.ping(), opts.bus.ping?.() ?? true]);
        const healthy = db && bus;
        return sendJson(res, healthy ? 200 : 503, { status: healthy ? "ok" : "unavailable" });
      }
      if (opts.hook && (await opts.hook(req, res))) return;
      sendJson(res, 404, { error: "not found" });
    })().catch((error: unknown) => {
      opts.log.error("http request failed", describeError(error));
      if (!res.headersSent) sendJson(res, 500, { error: "internal server error" });
      else res.destroy();
    });
  };
}

/** Refuses an upgrade with a bare HTTP status line. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
