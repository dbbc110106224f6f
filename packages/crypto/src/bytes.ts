/**
 * Byte helpers that work alike in Node and browsers: randomness from WebCrypto, constant-time
 * comparison, wiping, UTF-8 and base64url. No Buffer, no node:crypto.
 */
import { assertBytes, assertInteger } from "./validate.js";

/** WebCrypto's getRandomValues fills at most 65,536 bytes per call. */
const MAX_RANDOM_CHUNK = 65536;
/** A cap that keeps a mistaken size (say, a byte length read from untrusted input) from exhausting memory. */
const MAX_RANDOM_BYTES = 16 * 1024 * 1024;

/**
 * `n` bytes from the platform's cryptographically secure generator (`globalThis.crypto`).
 *
 * @example
 * const nonce = randomBytes(24);
 */
export function randomBytes(n: number): Uint8Array {
  assertInteger(n, "n", 0, MAX_RANDOM_BYTES);
  const c = globalThis.crypto;
  if (c === undefined || typeof c.getRandomValues !== "function") {
    throw new Error("randomBytes: globalThis.crypto.getRandomValues is not available");
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += MAX_RANDOM_CHUNK) {
    c.getRandomValues(out.subarray(i, Math.min(n, i + MAX_RANDOM_CHUNK)));
  }
  return out;
}

/**
 * Whether two byte arrays are equal, in time that depends only on their lengths (never on where
 * they differ). Use it for every comparison of secrets, MACs and keys.
 *
 * @example
 * constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])); // true
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  assertBytes(a, "a");
  assertBytes(b, "b");
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/** Overwrites key material with zeros once it is no longer needed. */
export function wipe(...arrays: Uint8Array[]): void {
  for (const a of arrays) a.fill(0);
}

/** The concatenation of byte arrays, in a new array. */
export function concatBytes(...arrays: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const a of arrays) length += a.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The string of UTF-8 bytes; undefined when the bytes are not valid UTF-8. */
export function utf8DecodeStrict(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes unpadded base64url (what @serenity-kit/opaque emits); undefined when malformed. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  let bin: string;
  try {
    bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  } catch {
    return undefined;
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
