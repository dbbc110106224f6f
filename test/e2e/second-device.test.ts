import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually, loginClient, registerClient, serverPerFile, texts } from "./harness.js";

const ctx = serverPerFile();

test("a second device with only the password restores the account key, joins, receives; revoking removes it", async () => {
  const alice = await registerClient(ctx.server.url, "alice");
  const bob = await registerClient(ctx.server.url, "bob");
  ctx.clients.push(alice, bob);
  const direct = await alice.client.ensureDirect("bob");
  const group = await alice.client.createGroup("family", ["bob"]);
  await eventually(() => bob.seen.joined.length === 2, "bob joins both");
  await alice.client.sendText(direct, "before the new device");

  const alice2 = await loginClient(ctx.server.url, "alice");
  ctx.clients.push(alice2);
  assert.notEqual(alice2.client.deviceId, alice.client.deviceId);
  const sn1 = await alice.client.safetyNumber("bob");
  const sn2 = await alice2.client.safetyNumber("bob");
  assert.equal(sn1.digits, sn2.digits, "the same account key on both devices gives the same safety number");
  await eventually(async () => (await alice2.client.conversations()).every((c) => c.joined), "alice's new device joins her conversations");
  await eventually(
    () => bob.seen.membership.filter((m) => m.change === "device-added" && m.deviceIds.includes(alice2.client.deviceId)).length === 2,
    "bob's client reports alice's new device in both conversations",
  );

  await bob.client.sendText(direct, "hello both alices");
  await bob.client.sendText(group, "family news");
  await eventually(() => texts(alice2, direct).includes("hello both alices") && texts(alice2, group).includes("family news"), "new device receives");
  await eventually(() => texts(alice, direct).includes("hello both alices"), "old device receives too");
  await alice2.client.sendText(direct, "from my laptop");
  await eventually(() => texts(bob, direct).includes("from my laptop"), "bob gets the new device's message");
  await eventually(() => alice.seen.message.some((m) => "text" in m.envelope && m.envelope.text === "from my laptop"), "alice's first device sees its sibling's message");

  await alice.client.revokeDevice(alice2.client.deviceId);
  await eventually(() => alice2.seen["session-ended"].length > 0, "the revoked device's session ends");
  for (const conv of [direct, group]) {
    await eventually(async () => !(await bob.client.members(conv)).some((m) => m.deviceId === alice2.client.deviceId), `revoked device removed from ${conv}`);
  }
  await bob.client.sendText(direct, "after revocation");
  await eventually(() => texts(alice, direct).includes("after revocation"), "alice's remaining device still receives");
  assert.ok(!texts(alice2, direct).includes("after revocation"));
  const devices = await alice.client.devices();
  assert.ok(devices.find((d) => d.deviceId === alice2.client.deviceId)?.revokedAt);
});
