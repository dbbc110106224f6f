/**
 * Device credentials: the identity bytes of each device's MLS BasicCredential. A credential binds
 * (username, device id, the device's MLS leaf signature key, the account public key) under an
 * Ed25519 signature by the account key, so a member checks that a leaf belongs to a device its
 * owner approved, and the server cannot make up devices.
 *
 * Encoding (version 1): every field in order, variable ones as opaque16 (u16 big-endian length,
 * then the bytes); nothing may follow.
 *   u8       version = 1
 *   opaque16 username       UTF-8, 1..255 bytes
 *   opaque16 deviceId       UTF-8, 1..255 bytes
 *   opaque16 signatureKey   the MLS leaf signature public key, 1..256 bytes
 *   opaque16 accountKey     Ed25519 public key, 32 bytes
 *   opaque16 signature      Ed25519, 64 bytes
 * The signature is over opaque16("parley/v1/device-credential") || (every byte before the
 * signature field), by the account key.
 */
import { ACCOUNT_PUBLIC_KEY_BYTES, assertAccountKeyPair, type AccountKeyPair } from "./accountKey.js";
import { constantTimeEqual, utf8, utf8DecodeStrict } from "./bytes.js";
import { DecodeError, Reader, Writer } from "./codec.js";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import { Label } from "./labels.js";
import { MAX_DEVICE_ID_BYTES, MAX_SIGNATURE_KEY_BYTES, MAX_USERNAME_BYTES } from "./limits.js";
import { ED25519_SIGNATURE_BYTES, signWithLabel, verifyWithLabel } from "./sign.js";
import { assertBytes, assertString } from "./validate.js";

/** The credential format version this code writes and reads. */
export const CREDENTIAL_VERSION = 1;

/** A decoded device credential. Decoding does not verify it: use verifyDeviceCredential. */
export interface DeviceCredential {
  version: 1;
  username: string;
  deviceId: string;
  /** The MLS leaf signature public key of the device. */
  signatureKey: Uint8Array;
  /** The account public key that signed this credential. */
  accountKey: Uint8Array;
  signature: Uint8Array;
}

/** Why a credential was refused. */
export type CredentialFailure = "malformed" | "wrong-leaf-key" | "wrong-account-key" | "bad-signature";

function encodeBody(username: string, deviceId: string, signatureKey: Uint8Array, accountKey: Uint8Array): Uint8Array {
  return new Writer()
    .u8(CREDENTIAL_VERSION)
    .opaque16(utf8(username))
    .opaque16(utf8(deviceId))
    .opaque16(signatureKey)
    .opaque16(accountKey)
    .finish();
}

/**
 * Issues a credential for one of the account's devices: the bytes to put in the device's MLS
 * BasicCredential identity.
 *
 * @example
 * const credential = issueDeviceCredential(account, { username: "alice", deviceId, signatureKey: leafPublicKey });
 */
export function issueDeviceCredential(
  account: AccountKeyPair,
  fields: { username: string; deviceId: string; signatureKey: Uint8Array },
): Uint8Array {
  assertAccountKeyPair(account, "account");
  if (typeof fields !== "object" || fields === null) throw new TypeError("fields must be an object");
  assertString(fields.username, "fields.username", 1, MAX_USERNAME_BYTES);
  assertString(fields.deviceId, "fields.deviceId", 1, MAX_DEVICE_ID_BYTES);
  assertBytes(fields.signatureKey, "fields.signatureKey", { min: 1, max: MAX_SIGNATURE_KEY_BYTES });
  const body = encodeBody(fields.username, fields.deviceId, fields.signatureKey, account.publicKey);
  const signature = signWithLabel(account.privateKey, Label.DeviceCredential, body);
  return new Writer().raw(body).opaque16(signature).finish();
}

function decodeString(r: Reader, name: string, max: number): string {
  const text = utf8DecodeStrict(r.opaque16(name, 1, max));
  if (text === undefined) throw new DecodeError(`${name}: not valid UTF-8`);
  return text;
}

/** Decodes, and also returns the signed body (every byte before the signature field). */
function decode(bytes: Uint8Array): { credential: DeviceCredential; body: Uint8Array } {
  try {
    const r = new Reader(bytes);
    const version = r.u8();
    if (version !== CREDENTIAL_VERSION) throw new DecodeError(`unknown version ${version}`);
    const username = decodeString(r, "username", MAX_USERNAME_BYTES);
    const deviceId = decodeString(r, "deviceId", MAX_DEVICE_ID_BYTES);
    const signatureKey = r.opaque16("signatureKey", 1, MAX_SIGNATURE_KEY_BYTES);
    const accountKey = r.opaque16("accountKey", ACCOUNT_PUBLIC_KEY_BYTES, ACCOUNT_PUBLIC_KEY_BYTES);
    const bodyLength = bytes.length - r.remaining;
    const signature = r.opaque16("signature", ED25519_SIGNATURE_BYTES, ED25519_SIGNATURE_BYTES);
    r.end();
    return {
      credential: { version: CREDENTIAL_VERSION, username, deviceId, signatureKey, accountKey, signature },
      body: bytes.slice(0, bodyLength),
    };
  } catch (e) {
    if (e instanceof DecodeError) {
      throw new CryptoError(CryptoErrorCode.CredentialMalformed, `device credential: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

/**
 * Decodes credential bytes without verifying the signature. Throws
 * CryptoError("PARLEY_CRYPTO_CREDENTIAL_MALFORMED") on anything but a well-formed version-1
 * credential: truncated, trailing bytes, a field too long or of the wrong size, invalid UTF-8.
 *
 * @example
 * const { username, deviceId } = decodeDeviceCredential(leaf.credential.identity);
 */
export function decodeDeviceCredential(bytes: Uint8Array): DeviceCredential {
  assertBytes(bytes, "bytes");
  return decode(bytes).credential;
}

/**
 * Verifies credential bytes against the leaf they came with and the account key pinned for their
 * username. Returns the decoded credential only when every check passes.
 *
 * @example
 * const result = verifyDeviceCredential(identity, leafSignatureKey, pinnedAccountKey);
 * if (!result.ok) warn(result.reason);
 */
export function verifyDeviceCredential(
  bytes: Uint8Array,
  leafSignatureKey: Uint8Array,
  expectedAccountKey: Uint8Array,
): { ok: true; credential: DeviceCredential } | { ok: false; reason: CredentialFailure } {
  assertBytes(bytes, "bytes");
  assertBytes(leafSignatureKey, "leafSignatureKey");
  assertBytes(expectedAccountKey, "expectedAccountKey", { length: ACCOUNT_PUBLIC_KEY_BYTES });
  let decoded: { credential: DeviceCredential; body: Uint8Array };
  try {
    decoded = decode(bytes);
  } catch (e) {
    if (e instanceof CryptoError) return { ok: false, reason: "malformed" };
    throw e;
  }
  const { credential, body } = decoded;
  if (!constantTimeEqual(credential.accountKey, expectedAccountKey)) return { ok: false, reason: "wrong-account-key" };
  if (!constantTimeEqual(credential.signatureKey, leafSignatureKey)) return { ok: false, reason: "wrong-leaf-key" };
  if (!verifyWithLabel(expectedAccountKey, Label.DeviceCredential, body, credential.signature)) {
    return { ok: false, reason: "bad-signature" };
  }
  return { ok: true, credential };
}
