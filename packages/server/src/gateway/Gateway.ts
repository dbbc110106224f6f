import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { CloseCode } from "@parley/protocol";
import { Connection, type GatewayDeps } from "./Connection.js";
import { WS_PATH, pathOf, refuseUpgrade } from "./http.js";

/** Accepts WebSocket upgrades on /ws and keeps track of the live connections. */
export class Gateway {
  readonly connections = new Set<Connection>();
  private readonly wss: WebSocketServer;
  private shuttingDown = false;

  constructor(
    private readonly deps: GatewayDeps,
    httpServer: Server,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: deps.codec.limits.maxFrameBytes,
      // Compression would let a small frame expand past every size limit, and costs CPU per frame.
      perMessageDeflate: false,
      clientTracking: false,
    });
    httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    if (pathOf(req) !== WS_PATH) return refuseUpgrade(socket, 404, "Not Found");
    if (this.shuttingDown || this.connections.size >= this.deps.config.maxConnections) {
      return refuseUpgrade(socket, 503, "Service Unavailable");
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = new Connection(ws, this.deps);
      this.connections.add(connection);
      void connection.closed.then(() => this.connections.delete(connection));
    });
  }

  /** Says goodbye to every client (GoingAway) and waits for them, at most `graceMs` plus a little. */
  async shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    const all = [...this.connections];
    for (const c of all) c.close(CloseCode.GoingAway, "server shutting down");
    let timer: NodeJS.Timeout | undefined;
    // Closed sockets are not enough: a handler may still be awaiting the store, which the server
    // closes next (a PostgreSQL pool refuses queries once ended).
    await Promise.race([
      Promise.all(all.map(async (c) => {
        await c.closed;
        await c.settled();
      })),
      new Promise((resolve) => (timer = setTimeout(resolve, graceMs + 100))),
    ]);
    clearTimeout(timer);
    this.wss.close();
  }
}
