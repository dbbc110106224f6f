/**
 * The account identity key: one Ed25519 key pair per account, made by the client at registration.
 * It signs the account's device credentials and device list; others pin its public key (trust on
 * first use) and compare safety numbers derived from it. The server only ever holds the private
 * key inside an AEAD backup (backup.ts).
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { constantTimeEqual, randomBytes } from "./bytes.js";
import { ED25519_PRIVATE_KEY_BYTES, ED25519_PUBLIC_KEY_BYTES } from "./sign.js";
import { assertBytes } from "./validate.js";

/** An Ed25519 key pair. `privateKey` is the 32-byte RFC 8032 seed; `publicKey` its 32-byte public key. */
export interface AccountKeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** Size of an account public key in bytes (Ed25519). */
export const ACCOUNT_PUBLIC_KEY_BYTES = ED25519_PUBLIC_KEY_BYTES;
/** Size of an account private key in bytes (the Ed25519 seed). */
export const ACCOUNT_PRIVATE_KEY_BYTES = ED25519_PRIVATE_KEY_BYTES;

/**
 * A new random account key pair. Wipe `privateKey` (`.fill(0)`) once it is sealed and stored.
 *
 * @example
 * const account = generateAccountKey();
 * const backup = sealAccountKeyBackup(account, exportKey, "alice");
 */
export function generateAccountKey(): AccountKeyPair {
  const privateKey = randomBytes(ACCOUNT_PRIVATE_KEY_BYTES);
  return { publicKey: ed25519.getPublicKey(privateKey), privateKey };
}

/**
 * The key pair of a 32-byte private key (seed), for a client that stored only the private key.
 *
 * @example
 * const again = accountKeyFromPrivateKey(account.privateKey);
 */
export function accountKeyFromPrivateKey(privateKey: Uint8Array): AccountKeyPair {
  assertBytes(privateKey, "privateKey", { length: ACCOUNT_PRIVATE_KEY_BYTES });
  return { publicKey: ed25519.getPublicKey(privateKey), privateKey: privateKey.slice() };
}

/**
 * Checks an AccountKeyPair argument: both fields of the right type and size, and the public key
 * the one of the private key (a mismatch would make signatures that never verify).
 */
export function assertAccountKeyPair(value: unknown, name: string): asserts value is AccountKeyPair {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`${name} must be an AccountKeyPair object`);
  }
  const { publicKey, privateKey } = value as Partial<AccountKeyPair>;
  assertBytes(publicKey, `${name}.publicKey`, { length: ACCOUNT_PUBLIC_KEY_BYTES });
  assertBytes(privateKey, `${name}.privateKey`, { length: ACCOUNT_PRIVATE_KEY_BYTES });
  if (!constantTimeEqual(ed25519.getPublicKey(privateKey), publicKey)) {
    throw new RangeError(`${name}.publicKey does not belong to ${name}.privateKey`);
  }
}
