/**
 * Every domain-separation label Parley uses, in one place, so an auditor can check that no two
 * uses of a key share one. A label is always written length-prefixed (opaque16) before the data
 * it separates, so no label can be confused with a prefix of another.
 */
export const Label = {
  /** HKDF info for the key that seals the account key backup; also the backup's AEAD header. */
  AccountKeyBackup: "parley/v1/account-key-backup",
  /** HKDF info for the key that seals a client's local store. */
  LocalStoreKey: "parley/v1/local-store-key",
  /** Ed25519 signature by the account key over a device credential. */
  DeviceCredential: "parley/v1/device-credential",
  /** Ed25519 signature by the account key over a device list. */
  DeviceList: "parley/v1/device-list",
} as const;
export type Label = (typeof Label)[keyof typeof Label];
