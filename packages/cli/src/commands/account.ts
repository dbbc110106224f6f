import { authenticate, openClient, profileDir, withClient, type GlobalOptions } from "../context.js";
import { SqliteLocalStore } from "@parley/client/node";
import type { Out } from "../output.js";

export async function register(g: GlobalOptions, username: string, out: Out, deviceName?: string): Promise<void> {
  const client = await authenticate(g, "register", username, deviceName);
  out.line(`Registered ${client.username}; this device is ${client.deviceId}. Profile: ${profileDir(g)}`);
  await client.close();
}

export async function login(g: GlobalOptions, username: string, out: Out, deviceName?: string): Promise<void> {
  const client = await authenticate(g, "login", username, deviceName);
  out.line(`Logged in as ${client.username} on device ${client.deviceId}.`);
  await client.close();
}

export async function logout(g: GlobalOptions, out: Out): Promise<void> {
  const client = await openClient(g);
  await client.logout();
  out.line("Logged out. Keys and history stay in the profile; 'parley login' resumes this device.");
}

export async function whoami(g: GlobalOptions, out: Out): Promise<void> {
  const store = new SqliteLocalStore(profileDir(g));
  const p = await store.getProfile();
  await store.close();
  if (!p) {
    out.line("not logged in");
    return;
  }
  out.line(`${p.username} on ${p.serverUrl}`);
  out.line(`device ${p.deviceId} (${p.deviceName})${p.sessionToken ? "" : " — logged out"}`);
}

export async function devices(g: GlobalOptions, out: Out, json: boolean): Promise<void> {
  await withClient(g, async (c) => {
    const list = await c.devices();
    if (json) {
      for (const d of list) out.json(d);
      return;
    }
    for (const d of list) {
      const state = d.revokedAt ? `revoked ${new Date(d.revokedAt).toISOString()}` : "active";
      out.line(`${d.deviceId}  ${d.name}  added ${new Date(d.createdAt).toISOString()}  ${state}${d.current ? "  (this device)" : ""}`);
    }
  });
}

export async function revokeDevice(g: GlobalOptions, deviceId: string, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.revokeDevice(deviceId);
    // Members (this device included) commit the removal of its leaves; wait for ours to go out.
    await c.waitUntilCaughtUp(30_000);
    await c.settle();
  });
  out.line(`Revoked device ${deviceId}; it is being removed from your conversations.`);
}
