/**
 * Keys derived from the OPAQUE export key: HKDF-SHA256 (RFC 5869) from @noble/hashes, with no salt
 * (RFC 5869 then uses HashLen zero bytes; the export key is already uniformly random) and
 * info = opaque16(label) || opaque16(UTF-8 username). Each use has its own label (labels.ts), so
 * the keys are independent; the username keeps one user's keys from serving another's.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "./bytes.js";
import { Writer } from "./codec.js";
import type { Label } from "./labels.js";

/** The HKDF info string for a label and a username. */
export function kdfInfo(label: Label, username: string): Uint8Array {
  return new Writer().opaque16(utf8(label)).opaque16(utf8(username)).finish();
}

/** A 32-byte key for one purpose, from the export key. Arguments are checked by the callers. */
export function deriveFromExportKey(exportKey: Uint8Array, label: Label, username: string): Uint8Array {
  return hkdf(sha256, exportKey, undefined, kdfInfo(label, username), 32);
}
