/**
 * Parley's MLS (RFC 9420) layer: the only module that imports ts-mls. Ciphersuite 1
 * (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519). Runs in Node and in browsers.
 * docs/mls-notes.md explains the choices (commit wire format, padding, the ts-mls join fix).
 */
export { MlsError, MlsErrorCode } from "./errors.js";
export { CIPHERSUITE, PADDING_BUCKET_BYTES, setMlsCryptoProvider, type CredentialValidator } from "./suite.js";
export {
  KEY_PACKAGE_LIFETIME_SECONDS,
  LAST_RESORT_EXTENSION_TYPE,
  generateKeyPackage,
  generateSignatureKeyPair,
  keyPackageIdentity,
  keyPackageRef,
  type GeneratedKeyPackage,
  type MlsSigner,
} from "./keyPackage.js";
export type { MlsMember } from "./members.js";
export { MlsGroup, type PendingCommit, type Processed } from "./group.js";
