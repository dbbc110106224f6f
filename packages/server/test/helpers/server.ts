import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type ParleyServer, type ServerOptions } from "../../src/index.js";

export interface TestServer extends ParleyServer {
  dataDir: string;
  /** Closes the server and deletes its data dir. */
  stop(): Promise<void>;
}

/** A real server on port 0 with a real SQLite file in a fresh temp dir, logging off. */
export async function startTestServer(options: ServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "parley-server-test-"));
  const server = await startServer({
    host: "127.0.0.1",
    port: 0,
    log: "silent",
    retentionSweepIntervalMs: 0,
    ...options,
    dataDir,
  });
  return {
    ...server,
    dataDir,
    stop: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A clock tests can move: pass `now: clock.now` in the server options. */
export function fakeClock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}
