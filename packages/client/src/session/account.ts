import {
  generateAccountKey,
  generateSignatureKeyPair,
  issueDeviceCredential,
  openAccountKeyBackup,
  opaqueLoginFinish,
  opaqueLoginStart,
  opaqueRegisterFinish,
  opaqueRegisterStart,
  sealAccountKeyBackup,
  constantTimeEqual,
} from "@parley/crypto";
import { ErrorCode, fromBase64, newDeviceId, toBase64 } from "@parley/protocol";
import { Connection } from "../connection/Connection.js";
import type { SocketFactory } from "../connection/socket.js";
import { ClientErrorCode, ParleyError } from "../errors.js";
import type { LocalStore, Profile } from "../store/LocalStore.js";

export interface AccountOptions {
  /** The deployment's identity in the profile: the first URL given. */
  serverUrl: string;
  /** All URLs given (serverUrl first): registration and login use the first one that answers. */
  serverUrls?: string[];
  socketFactory: SocketFactory;
  store: LocalStore;
  deviceName: string;
}

async function openConnection(o: AccountOptions): Promise<Connection> {
  const urls = o.serverUrls?.length ? o.serverUrls : [o.serverUrl];
  let lastError: unknown;
  for (const url of urls) {
    const conn = new Connection({ url, socketFactory: o.socketFactory });
    try {
      await conn.open();
      return conn;
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/**
 * Creates an account: OPAQUE registration (the server never sees the password), a fresh account
 * identity key whose private half goes to the server only sealed under the OPAQUE export key.
 * Then logs in as a new device.
 */
export async function registerAccount(o: AccountOptions, username: string, password: string): Promise<Profile> {
  const conn = await openConnection(o);
  try {
    const start = await opaqueRegisterStart(password);
    const { response } = await conn.request("register.start", { username, request: start.request });
    const { record, exportKey } = await opaqueRegisterFinish(start.clientState, response, password);
    const account = generateAccountKey();
    const backup = sealAccountKeyBackup(account, exportKey, username);
    exportKey.fill(0);
    await conn.request("register.finish", {
      username,
      record,
      identityKey: toBase64(account.publicKey),
      backup: toBase64(backup),
    });
  } finally {
    conn.close();
  }
  return loginAccount(o, username, password);
}

/**
 * Logs in. If this profile already is a device of that account, the session is bound to it;
 * otherwise this is a new device: the account key is restored from the backup, a device key and
 * credential are made and registered.
 */
export async function loginAccount(o: AccountOptions, username: string, password: string): Promise<Profile> {
  const conn = await openConnection(o);
  try {
    const start = await opaqueLoginStart(password);
    const { response } = await conn.request("login.start", { username, request: start.request });
    const finish = await opaqueLoginFinish(start.clientState, response, password);
    if (!finish) throw new ParleyError(ClientErrorCode.AuthFailed, "wrong username or password");
    // A store encrypted at rest (the browser's) opens only now, under a key from the export key;
    // so the profile is read after this point, not before.
    await o.store.unlock?.(finish.exportKey, username);
    const existing = await o.store.getProfile();
    const sameAccount = existing && existing.username === username && existing.serverUrl === o.serverUrl ? existing : undefined;
    const session = await conn.request("login.finish", {
      request: finish.finishRequest,
      ...(sameAccount ? { deviceId: sameAccount.deviceId } : {}),
    });
    const identityKey = fromBase64(session.identityKey);
    const account = openAccountKeyBackup(fromBase64(session.backup), finish.exportKey, username);
    finish.exportKey.fill(0);
    if (!constantTimeEqual(account.publicKey, identityKey)) {
      throw new ParleyError(ClientErrorCode.IdentityMismatch, "the server's account key does not match the backup");
    }
    if (sameAccount && session.deviceId === sameAccount.deviceId) {
      const profile = { ...sameAccount, sessionToken: session.token, serverUrls: o.serverUrls ?? [o.serverUrl] };
      await o.store.setProfile(profile);
      return profile;
    }
    if (sameAccount && constantTimeEqual(sameAccount.accountPublicKey, identityKey) === false) {
      throw new ParleyError(ClientErrorCode.IdentityMismatch, "the account key changed since this device last logged in");
    }
    // A new device of this account.
    const deviceId = newDeviceId();
    const sig = await generateSignatureKeyPair();
    const credential = issueDeviceCredential(account, { username, deviceId, signatureKey: sig.publicKey });
    await conn.request("device.register", {
      deviceId,
      name: o.deviceName,
      credential: toBase64(credential),
      signatureKey: toBase64(sig.publicKey),
    });
    const profile: Profile = {
      serverUrl: o.serverUrl,
      serverUrls: o.serverUrls ?? [o.serverUrl],
      username,
      deviceId,
      deviceName: o.deviceName,
      sessionToken: session.token,
      accountPublicKey: account.publicKey,
      accountPrivateKey: account.privateKey,
      signaturePublicKey: sig.publicKey,
      signaturePrivateKey: sig.privateKey,
      credential,
    };
    await o.store.setProfile(profile);
    return profile;
  } catch (e) {
    if (e instanceof ParleyError && e.code === ErrorCode.DeviceRevoked) {
      throw new ParleyError(ErrorCode.DeviceRevoked, "this device was revoked; use a new profile directory to log in as a new device");
    }
    throw e;
  } finally {
    conn.close();
  }
}
