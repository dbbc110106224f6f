/**
 * Ed25519 (RFC 8032) signatures with a label, from @noble/curves. Like MLS's SignWithLabel
 * (RFC 9420 §5.1.2), the signed message is opaque16(label) || content, so a signature made for one
 * purpose never verifies for another.
 *
 * Verification is strict RFC 8032 (zip215: false): non-canonical encodings of R, S or the public
 * key are refused, so signatures are not malleable. Public keys of small order are refused too:
 * with one, a "signature" can verify for many messages.
 */
import { ed25519 } from "@noble/curves/ed25519.js";
import { utf8 } from "./bytes.js";
import { Writer } from "./codec.js";
import type { Label } from "./labels.js";

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_PRIVATE_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** The bytes actually signed: opaque16(label) || content. */
export function labeledMessage(label: Label, content: Uint8Array): Uint8Array {
  return new Writer().opaque16(utf8(label)).raw(content).finish();
}

export function signWithLabel(privateKey: Uint8Array, label: Label, content: Uint8Array): Uint8Array {
  return ed25519.sign(labeledMessage(label, content), privateKey);
}

export function verifyWithLabel(publicKey: Uint8Array, label: Label, content: Uint8Array, signature: Uint8Array): boolean {
  return verifyEd25519(publicKey, labeledMessage(label, content), signature);
}

/** Strict Ed25519 verification of a message as given (the primitive the labeled form uses). */
export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return false;
  if (!isStrongPublicKey(publicKey)) return false;
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

/** Whether the bytes are a canonical encoding of a curve point outside the small-order subgroup. */
export function isStrongPublicKey(publicKey: Uint8Array): boolean {
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}
