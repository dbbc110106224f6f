/**
 * Argument checks for public entry points, in noble's manner: a TypeError for a wrong type and a
 * RangeError for a wrong size, each naming the field. They guard against misuse by our own code;
 * untrusted *data* is handled by the decoders, which return or throw CryptoError instead.
 */
const encoder = new TextEncoder();
/** A lone (unpaired) UTF-16 surrogate: in "u" mode a well-formed pair is one code point, not Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Size constraints for a byte-array argument. */
export interface ByteSize {
  length?: number;
  min?: number;
  max?: number;
}

/** Throws unless `value` is a Uint8Array of the given size. */
export function assertBytes(value: unknown, name: string, size: ByteSize = {}): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a Uint8Array, got ${describe(value)}`);
  }
  if (size.length !== undefined && value.length !== size.length) {
    throw new RangeError(`${name} must be ${size.length} bytes, got ${value.length}`);
  }
  if (size.min !== undefined && value.length < size.min) {
    throw new RangeError(`${name} must be at least ${size.min} bytes, got ${value.length}`);
  }
  if (size.max !== undefined && value.length > size.max) {
    throw new RangeError(`${name} must be at most ${size.max} bytes, got ${value.length}`);
  }
}

/** Throws unless `value` is a string whose UTF-8 encoding is `minBytes`..`maxBytes` long. */
export function assertString(value: unknown, name: string, minBytes: number, maxBytes: number): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  const n = encoder.encode(value).length;
  if (n < minBytes || n > maxBytes) {
    throw new RangeError(`${name} must be ${minBytes} to ${maxBytes} bytes of UTF-8, got ${n}`);
  }
  if (LONE_SURROGATE.test(value)) {
    throw new RangeError(`${name} must be well-formed Unicode (no lone surrogates)`);
  }
}

/** Throws unless `value` is an integer in [min, max]. */
export function assertInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Throws unless `value` is a function. */
export function assertFunction(value: unknown, name: string): void {
  if (typeof value !== "function") {
    throw new TypeError(`${name} must be a function, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "an object";
  return typeof value;
}
