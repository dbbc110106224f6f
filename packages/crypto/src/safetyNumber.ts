/**
 * Safety numbers: what two people compare, in person or by scanning a QR code, to know that the
 * account keys their clients pinned for each other are the real ones.
 *
 * The algorithm is Signal's numeric fingerprint (libsignal NumericFingerprintGenerator, display
 * version), with the raw 32-byte Ed25519 account key as the key and the UTF-8 username as the
 * stable identifier:
 *   hash = u16 0 || key || username; then 5200 times: hash = SHA-512(hash || key)
 *   fingerprint = for i in 0..5: (big-endian 40-bit integer of hash[5i .. 5i+5]) mod 100000, as 5 digits
 * Each party's fingerprint is 30 digits; the safety number is the two joined with the smaller
 * (as a string) first, so both sides see the same 60 digits.
 */
import { sha512 } from "@noble/hashes/sha2.js";
import { ACCOUNT_PUBLIC_KEY_BYTES } from "./accountKey.js";
import { concatBytes, utf8 } from "./bytes.js";
import { MAX_USERNAME_BYTES } from "./limits.js";
import { assertBytes, assertString } from "./validate.js";

/** SHA-512 iterations per fingerprint, as Signal uses. */
export const SAFETY_NUMBER_ITERATIONS = 5200;
/** Version of the displayed number and of the QR payload. */
export const SAFETY_NUMBER_VERSION = 1;
/** The QR payload's prefix: "parley-sn:1:". */
export const SAFETY_NUMBER_QR_PREFIX = `parley-sn:${SAFETY_NUMBER_VERSION}:`;

/** A party to a conversation, as the safety number sees it. */
export interface SafetyNumberParty {
  username: string;
  accountKey: Uint8Array;
}

/** A safety number in its three presentations. */
export interface SafetyNumber {
  /** 60 decimal digits. */
  digits: string;
  /** The digits as 12 groups of 5, for display. */
  groups: string[];
  /** The text to put in (and compare from) the QR code, e.g. "parley-sn:1:<60 digits>". */
  qrPayload: string;
}

/**
 * One party's 30-digit fingerprint. Exported for the test that checks it against Signal's
 * published vectors; application code wants safetyNumber.
 */
export function numericFingerprint(key: Uint8Array, stableIdentifier: Uint8Array, iterations = SAFETY_NUMBER_ITERATIONS): string {
  let hash = concatBytes(Uint8Array.of(0, 0), key, stableIdentifier);
  for (let i = 0; i < iterations; i++) hash = sha512(concatBytes(hash, key));
  let digits = "";
  for (let offset = 0; offset < 30; offset += 5) {
    let chunk = 0;
    for (let j = 0; j < 5; j++) chunk = chunk * 256 + (hash[offset + j] as number);
    digits += String(chunk % 100000).padStart(5, "0");
  }
  return digits;
}

function checkParty(party: unknown, name: string): asserts party is SafetyNumberParty {
  if (typeof party !== "object" || party === null) throw new TypeError(`${name} must be an object`);
  const p = party as Partial<SafetyNumberParty>;
  assertString(p.username, `${name}.username`, 1, MAX_USERNAME_BYTES);
  assertBytes(p.accountKey, `${name}.accountKey`, { length: ACCOUNT_PUBLIC_KEY_BYTES });
}

/**
 * The safety number of two accounts. Symmetric: safetyNumber(a, b) equals safetyNumber(b, a).
 *
 * @example
 * const { groups, qrPayload } = safetyNumber(
 *   { username: "alice", accountKey: aliceKey },
 *   { username: "bob", accountKey: pinnedBobKey },
 * );
 * console.log(groups.join(" ")); // "30035 44776 ... "
 */
export function safetyNumber(a: SafetyNumberParty, b: SafetyNumberParty): SafetyNumber {
  checkParty(a, "a");
  checkParty(b, "b");
  const fa = numericFingerprint(a.accountKey, utf8(a.username));
  const fb = numericFingerprint(b.accountKey, utf8(b.username));
  const digits = fa <= fb ? fa + fb : fb + fa;
  const groups = digits.match(/\d{5}/g) ?? [];
  return { digits, groups, qrPayload: SAFETY_NUMBER_QR_PREFIX + digits };
}
