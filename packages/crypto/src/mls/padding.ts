/**
 * Bucket padding for application messages. ts-mls pads a PrivateMessage's content up to a fixed
 * length (`padUntilLength`), so we work out, per message, the length that rounds the content up
 * to the next multiple of the bucket. The content ts-mls pads is
 *   varint(len(plaintext)) || plaintext || varint(len(signature)) || signature
 * (RFC 9420 §6.3.1, PrivateMessageContent for application data).
 */
import type { PaddingConfig } from "ts-mls";
import { lengthEncoder } from "ts-mls/codec/variableLength.js";

/** Ed25519 signatures are always 64 bytes. */
const SIGNATURE_BYTES = 64;

function varLenSize(n: number): number {
  return lengthEncoder(n)[0] + n;
}

/** The ts-mls padding setting that brings an application message of `plaintextLength` bytes to a bucket boundary. */
export function applicationPadding(plaintextLength: number, bucket: number): PaddingConfig {
  const contentLength = varLenSize(plaintextLength) + varLenSize(SIGNATURE_BYTES);
  const padded = Math.ceil(contentLength / bucket) * bucket;
  return { kind: "padUntilLength", padUntilLength: padded };
}
