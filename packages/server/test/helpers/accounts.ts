import { randomBytes } from "node:crypto";
import { client as opaque, ready } from "@serenity-kit/opaque";
import { newDeviceId, toBase64, type SessionInfo } from "@parley/protocol";
import { TestClient } from "./client.js";

/** Cheap key stretching: the server never sees it, and tests need not spend seconds on Argon2. */
const keyStretching = { "argon2id-custom": { memory: 1024, iterations: 1, parallelism: 1 } } as const;

export const randomB64 = (bytes: number) => toBase64(randomBytes(bytes));

export async function register(c: TestClient, username: string, password: string) {
  await ready;
  const start = opaque.startRegistration({ password });
  const { response } = await c.ok("register.start", { username, request: start.registrationRequest });
  const { registrationRecord } = opaque.finishRegistration({
    clientRegistrationState: start.clientRegistrationState,
    registrationResponse: response,
    password,
    keyStretching,
  });
  const identityKey = randomB64(32);
  const backup = randomB64(64);
  await c.ok("register.finish", { username, record: registrationRecord, identityKey, backup });
  return { identityKey, backup };
}

export async function login(c: TestClient, username: string, password: string, deviceId?: string): Promise<SessionInfo> {
  await ready;
  const start = opaque.startLogin({ password });
  const { response } = await c.ok("login.start", { username, request: start.startLoginRequest });
  const finish = opaque.finishLogin({ clientLoginState: start.clientLoginState, loginResponse: response, password, keyStretching });
  if (!finish) throw new Error("client-side login failed");
  return c.ok("login.finish", deviceId ? { request: finish.finishLoginRequest, deviceId } : { request: finish.finishLoginRequest });
}

export interface TestDevice {
  client: TestClient;
  username: string;
  password: string;
  deviceId: string;
  token: string;
}

/** Registers the account if `password` is new to it, logs in and registers a fresh device. */
export async function newDevice(wsUrl: string, username: string, opts: { register?: boolean; password?: string } = {}): Promise<TestDevice> {
  const password = opts.password ?? `pw-${username}`;
  const client = await TestClient.connect(wsUrl);
  if (opts.register !== false) await register(client, username, password);
  const session = await login(client, username, password);
  const deviceId = newDeviceId();
  await client.ok("device.register", {
    deviceId,
    name: `${username}'s device`,
    credential: randomB64(96),
    signatureKey: randomB64(32),
  });
  return { client, username, password, deviceId, token: session.token };
}

/** Reconnects a device with its session token. */
export async function resume(wsUrl: string, token: string): Promise<TestClient> {
  const client = await TestClient.connect(wsUrl);
  await client.ok("session.resume", { token });
  return client;
}
