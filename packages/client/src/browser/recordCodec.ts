/**
 * Records are JSON before they are sealed; byte fields (keys, MLS state) become {"$b": base64}
 * so they survive the round trip.
 */
import { fromBase64, toBase64 } from "@parley/protocol";

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeRecord(value: unknown): Uint8Array {
  return utf8.encode(
    JSON.stringify(value, (_key, v: unknown) => (v instanceof Uint8Array ? { $b: toBase64(v) } : v)),
  );
}

export function decodeRecord<T>(bytes: Uint8Array): T {
  return JSON.parse(fromUtf8.decode(bytes), (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$b === "string" && Object.keys(o).length === 1) return fromBase64(o.$b);
    }
    return v;
  }) as T;
}
