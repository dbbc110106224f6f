import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { SqliteStore, type Store } from "../src/index.js";
import { newDevice } from "./helpers/accounts.js";
import { startTestServer } from "./helpers/server.js";

/**
 * The server closes its store right after shutdown: if a request handler were still awaiting the
 * store then, it would find it closed (a PostgreSQL pool refuses queries once ended). So close()
 * must wait for handlers in progress, within the grace period.
 */
test("close() waits for a request handler that is still awaiting the store", async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-shutdown-"));
  const real = SqliteStore.openInDir(dir);
  let entered!: () => void;
  const inHandler = new Promise<void>((resolve) => (entered = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let blocking = false;
  const order: string[] = [];
  // The real store, with countPending held open while `blocking` (delivery.pending calls it).
  const store = new Proxy(real, {
    get(target, key, receiver) {
      if (key === "countPending") {
        return async (deviceId: string) => {
          if (blocking) {
            entered();
            await released;
            order.push("handler read the store");
          }
          return target.countPending(deviceId);
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as Store;
  const server = await startTestServer({ store, shutdownGraceMs: 5_000 });
  try {
    const alice = await newDevice(server.wsUrl, "alice");
    blocking = true;
    // The socket closes before the reply can go out (GoingAway): only the ordering matters here.
    const pending = alice.client.request("delivery.pending", {}).catch(() => undefined);
    await inHandler;
    const closing = server.close().then(() => order.push("server closed"));
    // Give close() every chance to finish early if it does not wait for the handler.
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await closing;
    await pending;
    assert.deepEqual(order, ["handler read the store", "server closed"]);
  } finally {
    release();
    await server.stop().catch(() => undefined);
    real.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
