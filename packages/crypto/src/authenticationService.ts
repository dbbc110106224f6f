/**
 * The MLS Authentication Service (RFC 9420 §5.3.1) of Parley: a leaf is accepted only when its
 * BasicCredential identity is a device credential signed by the account key pinned for the
 * credential's username, and names the leaf's own signature key. ts-mls's default accepts any
 * credential; the MLS wrapper takes this validator instead.
 */
import { ACCOUNT_PUBLIC_KEY_BYTES } from "./accountKey.js";
import { decodeDeviceCredential, verifyDeviceCredential } from "./credential.js";
import { CryptoError } from "./errors.js";
import { assertBytes, assertFunction } from "./validate.js";

/** Validates one (credential identity, leaf signature public key) pair. Never throws for bad data. */
export type CredentialValidator = (credentialIdentity: Uint8Array, signaturePublicKey: Uint8Array) => Promise<boolean>;

/**
 * Makes the validator the MLS wrapper takes. `accountKeyOf` returns the pinned account public key
 * of a username, or undefined when there is none (the leaf is then refused); how a key gets pinned
 * (trust on first use, a warning when it changes) is the caller's business. Malformed or forged
 * credentials resolve to false; an error thrown by `accountKeyOf` (say, a lost connection) is
 * passed on, so a lookup failure is never mistaken for a forgery.
 *
 * @example
 * const validate = makeCredentialValidator(async (username) => pins.get(username));
 * await validate(leaf.credential.identity, leaf.signaturePublicKey); // true or false
 */
export function makeCredentialValidator(
  accountKeyOf: (username: string) => Promise<Uint8Array | undefined>,
): CredentialValidator {
  assertFunction(accountKeyOf, "accountKeyOf");
  return async (credentialIdentity, signaturePublicKey) => {
    if (!(credentialIdentity instanceof Uint8Array) || !(signaturePublicKey instanceof Uint8Array)) return false;
    let username: string;
    try {
      username = decodeDeviceCredential(credentialIdentity).username;
    } catch (e) {
      if (e instanceof CryptoError) return false;
      throw e;
    }
    const pinned = await accountKeyOf(username);
    if (pinned === undefined) return false;
    assertBytes(pinned, "the key accountKeyOf returned", { length: ACCOUNT_PUBLIC_KEY_BYTES });
    return verifyDeviceCredential(credentialIdentity, signaturePublicKey, pinned).ok;
  };
}
