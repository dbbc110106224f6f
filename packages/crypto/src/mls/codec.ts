/**
 * MLSMessage framing helpers: decode with a check that the whole input was consumed and that the
 * wire format is the expected one, encode, base64 for key package refs.
 */
import { bytesToBase64, decodeMlsMessage, encodeMlsMessage, type MLSMessage } from "ts-mls";
import { MlsError, MlsErrorCode } from "./errors.js";

type Wire = MLSMessage["wireformat"];
export type MlsMessageOf<W extends Wire> = Extract<MLSMessage, { wireformat: W }>;

export function assertBytes(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array`);
}

/** Decodes an MLSMessage, refusing trailing bytes; throws MLS_MALFORMED. */
export function decodeMessage(bytes: Uint8Array, what: string): MLSMessage {
  let decoded: [MLSMessage, number] | undefined;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch (e) {
    throw new MlsError(MlsErrorCode.Malformed, `${what}: not an MLSMessage`, { cause: e });
  }
  if (decoded === undefined) throw new MlsError(MlsErrorCode.Malformed, `${what}: not an MLSMessage`);
  if (decoded[1] !== bytes.length) throw new MlsError(MlsErrorCode.Malformed, `${what}: trailing bytes after the MLSMessage`);
  if (decoded[0].version !== "mls10") throw new MlsError(MlsErrorCode.Malformed, `${what}: not MLS 1.0`);
  return decoded[0];
}

/** Decodes an MLSMessage of one wire format; throws MLS_MALFORMED otherwise. */
export function decodeAs<W extends Wire>(bytes: Uint8Array, wireformat: W, what: string): MlsMessageOf<W> {
  const message = decodeMessage(bytes, what);
  if (message.wireformat !== wireformat) {
    throw new MlsError(MlsErrorCode.Malformed, `${what}: expected ${wireformat}, got ${message.wireformat}`);
  }
  return message as MlsMessageOf<W>;
}

export function encodeMessage(message: MLSMessage): Uint8Array {
  return encodeMlsMessage(message);
}

export function toBase64(bytes: Uint8Array): string {
  return bytesToBase64(bytes);
}
