/**
 * @parley/crypto: accounts and identity (OPAQUE login, the account key and its backup, device
 * credentials, signed device lists, safety numbers, local store encryption) and the MLS wrapper.
 * Runs in Node and browsers: @noble/* and WebCrypto only, no Node built-ins. docs/crypto.md
 * describes the key hierarchy and every encoding.
 */
export { CryptoError, CryptoErrorCode } from "./errors.js";
export { constantTimeEqual, randomBytes } from "./bytes.js";
export {
  MAX_DEVICE_ID_BYTES,
  MAX_DEVICE_LIST_DEVICES,
  MAX_EXPORT_KEY_BYTES,
  MAX_OPAQUE_MESSAGE_CHARS,
  MAX_PASSWORD_BYTES,
  MAX_SIGNATURE_KEY_BYTES,
  MAX_USERNAME_BYTES,
  MIN_EXPORT_KEY_BYTES,
} from "./limits.js";
export {
  OPAQUE_KEY_STRETCHING,
  OPAQUE_PARAMETERS,
  opaqueLoginFinish,
  opaqueLoginStart,
  opaqueRegisterFinish,
  opaqueRegisterStart,
  type OpaqueLogin,
  type OpaqueRegistration,
} from "./opaque.js";
export {
  ACCOUNT_PRIVATE_KEY_BYTES,
  ACCOUNT_PUBLIC_KEY_BYTES,
  accountKeyFromPrivateKey,
  generateAccountKey,
  type AccountKeyPair,
} from "./accountKey.js";
export { BACKUP_BYTES, BACKUP_VERSION, openAccountKeyBackup, sealAccountKeyBackup } from "./backup.js";
export {
  CREDENTIAL_VERSION,
  decodeDeviceCredential,
  issueDeviceCredential,
  verifyDeviceCredential,
  type CredentialFailure,
  type DeviceCredential,
} from "./credential.js";
export { makeCredentialValidator, type CredentialValidator } from "./authenticationService.js";
export { DEVICE_LIST_FORMAT, signDeviceList, verifyDeviceList } from "./deviceList.js";
export {
  SAFETY_NUMBER_ITERATIONS,
  SAFETY_NUMBER_QR_PREFIX,
  SAFETY_NUMBER_VERSION,
  safetyNumber,
  type SafetyNumber,
  type SafetyNumberParty,
} from "./safetyNumber.js";
export { LOCAL_SEALED_OVERHEAD, LOCAL_SEALED_VERSION, deriveLocalStoreKey, openLocal, sealLocal } from "./localStore.js";
export * from "./mls/index.js";
