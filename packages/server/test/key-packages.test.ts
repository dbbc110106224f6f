import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ErrorCode } from "@parley/protocol";
import { TestClient } from "./helpers/client.js";
import { login, newDevice, randomB64 } from "./helpers/accounts.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer({ limits: { maxKeyPackagesPerDevice: 5 } });
});
after(() => server.stop());

test("upload, count, and the quota on one-time key packages", async () => {
  const d = await newDevice(server.wsUrl, "alice");
  assert.deepEqual(await d.client.ok("keyPackages.upload", { keyPackages: [randomB64(100), randomB64(100), randomB64(100)] }), {
    oneTime: 3,
    lastResort: false,
  });
  const over = await d.client.fail(
    "keyPackages.upload",
    { keyPackages: [randomB64(100), randomB64(100), randomB64(100)] },
    ErrorCode.QuotaExceeded,
  );
  assert.deepEqual(over.details, { max: 5, stored: 3 });
  // Nothing of the refused upload was kept.
  assert.deepEqual(await d.client.ok("keyPackages.count", {}), { oneTime: 3, lastResort: false });
  // A body over the limit is not even parsed as valid.
  await d.client.fail("keyPackages.upload", { keyPackages: Array.from({ length: 6 }, () => randomB64(10)) }, ErrorCode.InvalidBody);
  assert.deepEqual(await d.client.ok("keyPackages.upload", { keyPackages: [], lastResort: randomB64(100) }), {
    oneTime: 3,
    lastResort: true,
  });
  await d.client.close();
});

test("claim takes one one-time package per other device, then falls back to the last-resort one", async () => {
  const bobPhone = await newDevice(server.wsUrl, "bob");
  const c = await TestClient.connect(server.wsUrl);
  await login(c, "bob", bobPhone.password);
  const laptopId = "L".repeat(22);
  await c.ok("device.register", { deviceId: laptopId, name: "laptop", credential: randomB64(64), signatureKey: randomB64(32) });

  const phoneOneTime = randomB64(120);
  const phoneLastResort = randomB64(120);
  await bobPhone.client.ok("keyPackages.upload", { keyPackages: [phoneOneTime], lastResort: phoneLastResort });
  // The laptop uploads nothing: it is left out of claims.

  const alice = await newDevice(server.wsUrl, "carol");
  const first = await alice.client.ok("keyPackages.claim", { username: "bob" });
  assert.deepEqual(first.keyPackages, [{ deviceId: bobPhone.deviceId, keyPackage: phoneOneTime }]);
  const second = await alice.client.ok("keyPackages.claim", { username: "bob" });
  assert.deepEqual(second.keyPackages, [{ deviceId: bobPhone.deviceId, keyPackage: phoneLastResort }]);
  // The last-resort package is handed out, not used up.
  const third = await alice.client.ok("keyPackages.claim", { username: "bob" });
  assert.deepEqual(third.keyPackages, second.keyPackages);
  assert.deepEqual(await bobPhone.client.ok("keyPackages.count", {}), { oneTime: 0, lastResort: true });

  // A new last-resort package replaces the old one.
  const newer = randomB64(120);
  await bobPhone.client.ok("keyPackages.upload", { keyPackages: [], lastResort: newer });
  assert.deepEqual((await alice.client.ok("keyPackages.claim", { username: "bob" })).keyPackages[0]!.keyPackage, newer);

  // Claiming your own username returns your other devices, never the calling one.
  const own = await c.ok("keyPackages.claim", { username: "bob" });
  assert.deepEqual(own.keyPackages.map((k) => k.deviceId), [bobPhone.deviceId]);
  await alice.client.fail("keyPackages.claim", { username: "nobody" }, ErrorCode.UserNotFound);
  await Promise.all([c.close(), bobPhone.client.close(), alice.client.close()]);
});

test("two concurrent claims from two connections never get the same one-time package", async () => {
  const dave = await newDevice(server.wsUrl, "dave");
  const packages = [randomB64(80), randomB64(80), randomB64(80), randomB64(80)];
  await dave.client.ok("keyPackages.upload", { keyPackages: packages, lastResort: randomB64(80) });
  const a = await newDevice(server.wsUrl, "erin");
  const b = await newDevice(server.wsUrl, "frank");
  const claims = await Promise.all([
    a.client.ok("keyPackages.claim", { username: "dave" }),
    b.client.ok("keyPackages.claim", { username: "dave" }),
    a.client.ok("keyPackages.claim", { username: "dave" }),
    b.client.ok("keyPackages.claim", { username: "dave" }),
  ]);
  const got = claims.map((r) => r.keyPackages[0]!.keyPackage);
  assert.equal(new Set(got).size, 4);
  assert.deepEqual([...got].sort(), [...packages].sort());
  assert.deepEqual(await dave.client.ok("keyPackages.count", {}), { oneTime: 0, lastResort: true });
  await Promise.all([dave.client.close(), a.client.close(), b.client.close()]);
});
