/**
 * The signed device list: the set of an account's device ids, with a version number, signed by
 * the account key. Clients fetch it with a user's credentials and keep the highest version seen,
 * so a server can neither add a device nobody signed for nor hide one silently (a roll-back to an
 * older list shows as a lower version; refusing it is the caller's business).
 *
 * Encoding (version 1):
 *   u8       format = 1
 *   opaque16 username          UTF-8, 1..255 bytes
 *   u64      listVersion       0 .. 2^53 - 1
 *   u16      count             0 .. 1024
 *   count x opaque16 deviceId  UTF-8, 1..255 bytes each; sorted by their bytes, no duplicates
 *   opaque16 signature         Ed25519, 64 bytes
 * The signature is over opaque16("parley/v1/device-list") || (every byte before the signature
 * field), by the account key. Ids are sorted so a set has one encoding.
 */
import { ACCOUNT_PUBLIC_KEY_BYTES, assertAccountKeyPair, type AccountKeyPair } from "./accountKey.js";
import { utf8, utf8DecodeStrict } from "./bytes.js";
import { DecodeError, Reader, Writer } from "./codec.js";
import { Label } from "./labels.js";
import { MAX_DEVICE_ID_BYTES, MAX_DEVICE_LIST_DEVICES, MAX_USERNAME_BYTES } from "./limits.js";
import { ED25519_SIGNATURE_BYTES, signWithLabel, verifyWithLabel } from "./sign.js";
import { assertBytes, assertInteger, assertString } from "./validate.js";

/** The device list format version this code writes and reads. */
export const DEVICE_LIST_FORMAT = 1;

/** Byte order of UTF-8 encodings (not UTF-16 code units, which order astral characters differently). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * Signs the list of the account's device ids. The ids are a set: they come back from
 * verifyDeviceList sorted by their UTF-8 bytes, whatever order they were given in.
 * Throws RangeError on duplicate ids.
 *
 * @example
 * const signed = signDeviceList(account, "alice", 7, ["dev-phone", "dev-laptop"]);
 */
export function signDeviceList(account: AccountKeyPair, username: string, version: number, deviceIds: string[]): Uint8Array {
  assertAccountKeyPair(account, "account");
  assertString(username, "username", 1, MAX_USERNAME_BYTES);
  assertInteger(version, "version", 0, Number.MAX_SAFE_INTEGER);
  if (!Array.isArray(deviceIds)) throw new TypeError("deviceIds must be an array of strings");
  if (deviceIds.length > MAX_DEVICE_LIST_DEVICES) {
    throw new RangeError(`deviceIds must hold at most ${MAX_DEVICE_LIST_DEVICES} ids, got ${deviceIds.length}`);
  }
  deviceIds.forEach((id, i) => assertString(id, `deviceIds[${i}]`, 1, MAX_DEVICE_ID_BYTES));
  const encoded = deviceIds.map(utf8).sort(compareBytes);
  for (let i = 1; i < encoded.length; i++) {
    if (compareBytes(encoded[i - 1] as Uint8Array, encoded[i] as Uint8Array) === 0) {
      throw new RangeError("deviceIds must not hold duplicates");
    }
  }
  const w = new Writer().u8(DEVICE_LIST_FORMAT).opaque16(utf8(username)).u64(version).u16(encoded.length);
  for (const id of encoded) w.opaque16(id);
  const body = w.finish();
  return new Writer().raw(body).opaque16(signWithLabel(account.privateKey, Label.DeviceList, body)).finish();
}

/**
 * Verifies a signed device list against the pinned account key and the username it should be
 * for. Returns undefined when it is malformed, for another user, or not signed by that key.
 *
 * @example
 * const list = verifyDeviceList(bytes, pinnedAccountKey, "alice");
 * if (!list || list.version < lastSeenVersion) warn();
 */
export function verifyDeviceList(
  bytes: Uint8Array,
  accountKey: Uint8Array,
  username: string,
): { version: number; deviceIds: string[] } | undefined {
  assertBytes(bytes, "bytes");
  assertBytes(accountKey, "accountKey", { length: ACCOUNT_PUBLIC_KEY_BYTES });
  assertString(username, "username", 1, MAX_USERNAME_BYTES);
  try {
    const r = new Reader(bytes);
    if (r.u8() !== DEVICE_LIST_FORMAT) return undefined;
    const listUsername = utf8DecodeStrict(r.opaque16("username", 1, MAX_USERNAME_BYTES));
    if (listUsername !== username) return undefined;
    const version = r.u64();
    const count = r.u16();
    if (count > MAX_DEVICE_LIST_DEVICES) return undefined;
    const deviceIds: string[] = [];
    let previous: Uint8Array | undefined;
    for (let i = 0; i < count; i++) {
      const raw = r.opaque16("deviceId", 1, MAX_DEVICE_ID_BYTES);
      if (previous !== undefined && compareBytes(previous, raw) >= 0) return undefined;
      const id = utf8DecodeStrict(raw);
      if (id === undefined) return undefined;
      deviceIds.push(id);
      previous = raw;
    }
    const body = bytes.subarray(0, bytes.length - r.remaining);
    const signature = r.opaque16("signature", ED25519_SIGNATURE_BYTES, ED25519_SIGNATURE_BYTES);
    r.end();
    if (!verifyWithLabel(accountKey, Label.DeviceList, body, signature)) return undefined;
    return { version, deviceIds };
  } catch (e) {
    if (e instanceof DecodeError) return undefined;
    throw e;
  }
}
