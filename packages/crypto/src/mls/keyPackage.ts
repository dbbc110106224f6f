/**
 * Leaf signature keys, the signer a device acts as, and KeyPackages (RFC 9420 §10): what a device
 * uploads so others can add it, and the private part it keeps to join when a Welcome arrives.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  generateKeyPackageWithKey,
  zeroOutUint8Array,
  type Capabilities,
  type Extension,
  type KeyPackage,
  type PrivateKeyPackage,
} from "ts-mls";
import { decodeVarLenData, varLenDataEncoder } from "ts-mls/codec/variableLength.js";
import { contramapBufferEncoders, encode } from "ts-mls/codec/tlsEncoder.js";
import { defaultGreaseConfig, greaseCapabilities } from "ts-mls/grease.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { assertBytes, decodeAs, encodeMessage, toBase64 } from "./codec.js";
import { MlsError, MlsErrorCode } from "./errors.js";
import { CIPHERSUITE, cipherSuite } from "./suite.js";

/** Who this device is in a group: its credential identity and its leaf signature key pair. */
export interface MlsSigner {
  credentialIdentity: Uint8Array;
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
}

const ED25519_KEY_BYTES = 32;

/** How long a key package stays valid. A device must upload fresh ones (its last-resort one too) before then. */
export const KEY_PACKAGE_LIFETIME_SECONDS = 90 * 24 * 3600;
/** Clock skew allowed between the device that makes a key package and the one that adds it. */
const NOT_BEFORE_SKEW_SECONDS = 3600;
/** The last_resort KeyPackage extension (draft-ietf-mls-extensions): the server may hand it out more than once. */
export const LAST_RESORT_EXTENSION_TYPE = 0x000a;

/**
 * Makes an MLS leaf signature key pair (Ed25519 for ciphersuite 1): a 32-byte private seed and
 * a 32-byte public key. The raw seed works with every ts-mls signature backend (WebCrypto and
 * noble), unlike the PKCS#8 blob ts-mls's own keygen returns under WebCrypto.
 *
 * @example
 * const { publicKey, privateKey } = await generateSignatureKeyPair();
 */
export async function generateSignatureKeyPair(): Promise<{ publicKey: Uint8Array; privateKey: Uint8Array }> {
  const privateKey = ed25519.utils.randomSecretKey();
  return { publicKey: ed25519.getPublicKey(privateKey), privateKey };
}

/** Checks a signer's shape and that its public key belongs to its private key. */
export function assertSigner(signer: MlsSigner, name = "signer"): void {
  if (typeof signer !== "object" || signer === null) throw new TypeError(`${name} must be an object`);
  assertBytes(signer.credentialIdentity, `${name}.credentialIdentity`);
  assertBytes(signer.signaturePublicKey, `${name}.signaturePublicKey`);
  assertBytes(signer.signaturePrivateKey, `${name}.signaturePrivateKey`);
  if (signer.credentialIdentity.length === 0) throw new RangeError(`${name}.credentialIdentity must not be empty`);
  if (signer.signaturePublicKey.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`${name}.signaturePublicKey must be ${ED25519_KEY_BYTES} bytes`);
  }
  if (signer.signaturePrivateKey.length !== ED25519_KEY_BYTES) {
    throw new RangeError(`${name}.signaturePrivateKey must be ${ED25519_KEY_BYTES} bytes (an Ed25519 seed)`);
  }
  const derived = ed25519.getPublicKey(signer.signaturePrivateKey);
  if (!equalBytes(derived, signer.signaturePublicKey)) {
    throw new RangeError(`${name}.signaturePublicKey does not belong to ${name}.signaturePrivateKey`);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** What our leaves declare they support: suite 1, basic credentials, with GREASE values (RFC 9420 §13.5). */
export function leafCapabilities(extra: number[] = []): Capabilities {
  return greaseCapabilities(defaultGreaseConfig, {
    versions: ["mls10"],
    ciphersuites: [CIPHERSUITE],
    extensions: extra,
    proposals: [],
    credentials: ["basic"],
  });
}

export function keyPackageLifetime(): { notBefore: bigint; notAfter: bigint } {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return {
    notBefore: now - BigInt(NOT_BEFORE_SKEW_SECONDS),
    notAfter: now + BigInt(KEY_PACKAGE_LIFETIME_SECONDS),
  };
}

/** Makes a ts-mls key package for a signer; used for uploads and for our own first leaf. */
export async function makeKeyPackage(
  signer: MlsSigner,
  lastResort: boolean,
): Promise<{ publicPackage: KeyPackage; privatePackage: PrivateKeyPackage }> {
  const cs = await cipherSuite();
  const extensions: Extension[] = lastResort
    ? [{ extensionType: LAST_RESORT_EXTENSION_TYPE, extensionData: new Uint8Array() }]
    : [];
  return generateKeyPackageWithKey(
    { credentialType: "basic", identity: signer.credentialIdentity.slice() },
    leafCapabilities(lastResort ? [LAST_RESORT_EXTENSION_TYPE] : []),
    keyPackageLifetime(),
    extensions,
    { signKey: signer.signaturePrivateKey, publicKey: signer.signaturePublicKey.slice() },
    cs,
  );
}

export interface GeneratedKeyPackage {
  /** MLSMessage-encoded KeyPackage, to upload. */
  keyPackage: Uint8Array;
  /** The serialized private part (init and leaf HPKE private keys), kept locally until the key package is used. */
  privateState: Uint8Array;
  /** Base64 of the KeyPackageRef (RFC 9420 §5.2), the name Welcomes use for it. */
  ref: string;
}

/**
 * Makes a key package for upload. `lastResort` marks it with the last_resort extension so the
 * server may hand it out when the one-time ones run out.
 *
 * @example
 * const kp = await generateKeyPackage(signer);
 * await upload(kp.keyPackage); localStore.put(kp.ref, kp);
 */
export async function generateKeyPackage(
  signer: MlsSigner,
  opts?: { lastResort?: boolean },
): Promise<GeneratedKeyPackage> {
  assertSigner(signer);
  const lastResort = opts?.lastResort === true;
  const { publicPackage, privatePackage } = await makeKeyPackage(signer, lastResort);
  const cs = await cipherSuite();
  const ref = toBase64(await makeKeyPackageRef(publicPackage, cs.hash));
  const privateState = encodePrivateState(privatePackage);
  zeroOutUint8Array(privatePackage.initPrivateKey);
  zeroOutUint8Array(privatePackage.hpkePrivateKey);
  return {
    keyPackage: encodeMessage({ version: "mls10", wireformat: "mls_key_package", keyPackage: publicPackage }),
    privateState,
    ref,
  };
}

/** Decodes an uploaded key package (MLSMessage), checking its ciphersuite; throws MLS_MALFORMED. */
export function decodeKeyPackage(keyPackage: Uint8Array, name = "keyPackage"): KeyPackage {
  assertBytes(keyPackage, name);
  const kp = decodeAs(keyPackage, "mls_key_package", name).keyPackage;
  if (kp.cipherSuite !== CIPHERSUITE) throw new MlsError(MlsErrorCode.Malformed, `${name}: ciphersuite ${kp.cipherSuite} is not ${CIPHERSUITE}`);
  if (kp.leafNode.credential.credentialType !== "basic") {
    throw new MlsError(MlsErrorCode.Malformed, `${name}: only basic credentials are supported`);
  }
  return kp;
}

/** Base64 of the KeyPackageRef of an MLSMessage-encoded key package. */
export async function keyPackageRef(keyPackage: Uint8Array): Promise<string> {
  const kp = decodeKeyPackage(keyPackage);
  const cs = await cipherSuite();
  return toBase64(await makeKeyPackageRef(kp, cs.hash));
}

/**
 * The credential identity and leaf signature key a key package claims. Parses only: the
 * signatures are checked (and the credential validated) when the key package is added.
 * Throws MlsError MLS_MALFORMED on malformed input.
 */
export function keyPackageIdentity(keyPackage: Uint8Array): { credentialIdentity: Uint8Array; signaturePublicKey: Uint8Array } {
  const kp = decodeKeyPackage(keyPackage);
  const credential = kp.leafNode.credential;
  if (credential.credentialType !== "basic") throw new MlsError(MlsErrorCode.Malformed, "keyPackage: not a basic credential");
  return { credentialIdentity: credential.identity.slice(), signaturePublicKey: kp.leafNode.signaturePublicKey.slice() };
}

// privateState = "PKP" || version 1 || varlen(init private key) || varlen(leaf HPKE private key).
// The signature private key is not stored: the caller passes its signer when joining.
const PRIVATE_STATE_MAGIC = [0x50, 0x4b, 0x50, 0x01];
const privateKeysEncoder = contramapBufferEncoders(
  [varLenDataEncoder, varLenDataEncoder],
  (p: { init: Uint8Array; hpke: Uint8Array }) => [p.init, p.hpke] as const,
);

function encodePrivateState(p: PrivateKeyPackage): Uint8Array {
  const body = encode(privateKeysEncoder)({ init: p.initPrivateKey, hpke: p.hpkePrivateKey });
  const out = new Uint8Array(PRIVATE_STATE_MAGIC.length + body.length);
  out.set(PRIVATE_STATE_MAGIC, 0);
  out.set(body, PRIVATE_STATE_MAGIC.length);
  zeroOutUint8Array(body);
  return out;
}

/** Decodes a key package's private state; throws MLS_STATE_CORRUPT. */
export function decodePrivateState(bytes: Uint8Array, signer: MlsSigner): PrivateKeyPackage {
  assertBytes(bytes, "privateState");
  const corrupt = () => new MlsError(MlsErrorCode.StateCorrupt, "privateState: not a Parley key package private state");
  if (bytes.length < PRIVATE_STATE_MAGIC.length || PRIVATE_STATE_MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt();
  // ts-mls decoders return [value, bytes consumed], and throw or return undefined on bad input.
  let init: [Uint8Array, number] | undefined;
  let hpke: [Uint8Array, number] | undefined;
  try {
    init = decodeVarLenData(bytes, PRIVATE_STATE_MAGIC.length);
    hpke = init === undefined ? undefined : decodeVarLenData(bytes, PRIVATE_STATE_MAGIC.length + init[1]);
  } catch (e) {
    throw new MlsError(MlsErrorCode.StateCorrupt, "privateState: does not decode", { cause: e });
  }
  if (init === undefined || hpke === undefined || PRIVATE_STATE_MAGIC.length + init[1] + hpke[1] !== bytes.length) throw corrupt();
  return {
    initPrivateKey: init[0].slice(),
    hpkePrivateKey: hpke[0].slice(),
    signaturePrivateKey: signer.signaturePrivateKey,
  };
}
