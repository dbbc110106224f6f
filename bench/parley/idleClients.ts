/**
 * Holds authenticated, idle Parley connections for the connections scenario: each opens a
 * WebSocket from one of several loopback source addresses (one address has only ~28k ephemeral
 * ports), resumes a session and then sits idle. Its own process, so that several share the load
 * (each process also has only 20,000 file descriptors here).
 *   <- { cmd: "open", wsUrl, tokens, sourceAddresses }  -> { opened, failed, reasons } when done: one
 *      connection per token, token i from source address i mod their count (none: the kernel picks)
 *   <- { cmd: "stop" }
 */
import WebSocket from "ws";

const PARALLEL = 256;
const sockets: WebSocket[] = [];

/** Why connections failed, by reason, for the report. */
const reasons = new Map<string, number>();
const failedBecause = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);

function open(wsUrl: string, token: string, localAddress: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    const timer = setTimeout(() => {
      ws.terminate();
      failedBecause("timeout");
      resolve(false);
    }, 60_000);
    ws.once("error", (error: Error & { code?: string }) => {
      clearTimeout(timer);
      failedBecause(error.code ?? error.message.slice(0, 60));
      resolve(false);
    });
    ws.once("open", () => ws.send(JSON.stringify({ id: 1, type: "session.resume", body: { token } })));
    ws.on("message", (data) => {
      const text = data.toString();
      if (!text.startsWith('{"id":1,')) return;
      clearTimeout(timer);
      const ok = text.startsWith('{"id":1,"type":"ok"');
      if (ok) sockets.push(ws);
      else {
        failedBecause(`refused: ${text.slice(0, 80)}`);
        ws.terminate();
      }
      resolve(ok);
    });
  });
}

process.on("message", async (m: { cmd: string; wsUrl: string; tokens: string[]; sourceAddresses: string[] }) => {
  if (m.cmd === "stop") {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
  if (m.cmd !== "open") return;
  let opened = 0;
  let failed = 0;
  let next = 0;
  const worker = async () => {
    while (next < m.tokens.length) {
      const i = next++;
      const ok = await open(m.wsUrl, m.tokens[i]!, m.sourceAddresses[i % m.sourceAddresses.length]);
      if (ok) opened++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  process.send!({ opened, failed, reasons: Object.fromEntries(reasons) });
  reasons.clear();
});
process.on("disconnect", () => process.exit(0));
