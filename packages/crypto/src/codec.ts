/**
 * The small binary codec behind every Parley-defined encoding in this package (device credential,
 * device list, backup blob, signed content). Its rules make every encoding unambiguous:
 * - integers are big-endian and of fixed width (u8, u16, u64);
 * - every variable-length field is a u16 byte length followed by that many bytes ("opaque16");
 * - a decoder reads fields in order and then requires the end of input (no trailing bytes).
 * A Reader never reads out of bounds and never allocates more than its input.
 */

/** Thrown by Reader on malformed input; each decoder turns it into its own CryptoError code. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** Largest value an opaque16 length prefix can carry. */
export const MAX_OPAQUE16 = 0xffff;

/** Appends fields to a growing byte array. */
export class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  u8(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new RangeError(`u8 out of range: ${value}`);
    return this.push(Uint8Array.of(value));
  }

  u16(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError(`u16 out of range: ${value}`);
    return this.push(Uint8Array.of(value >>> 8, value & 0xff));
  }

  /** A u64 from a non-negative safe integer (JavaScript numbers are exact up to 2^53 - 1). */
  u64(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 out of range: ${value}`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(value), false);
    return this.push(out);
  }

  /** Raw bytes, no length prefix (only for fixed-size fields). */
  raw(bytes: Uint8Array): this {
    return this.push(bytes.slice());
  }

  /** A u16 length, then the bytes. */
  opaque16(bytes: Uint8Array): this {
    this.u16(bytes.length);
    return this.raw(bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }

  private push(bytes: Uint8Array): this {
    this.chunks.push(bytes);
    this.length += bytes.length;
    return this;
  }
}

/** Reads fields in order from a byte array; every method throws DecodeError when input runs out. */
export class Reader {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  u8(): number {
    return this.take(1)[0] as number;
  }

  u16(): number {
    const b = this.take(2);
    return ((b[0] as number) << 8) | (b[1] as number);
  }

  /** A u64 that must fit a safe integer. */
  u64(): number {
    const b = this.take(8);
    const value = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, false);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError("u64 exceeds 2^53 - 1");
    return Number(value);
  }

  /** Exactly `n` raw bytes (a copy). */
  raw(n: number): Uint8Array {
    return this.take(n).slice();
  }

  /** A u16 length then the bytes; the length must be within [min, max]. */
  opaque16(name: string, min: number, max: number): Uint8Array {
    const n = this.u16();
    if (n < min || n > max) throw new DecodeError(`${name}: length ${n} outside ${min}..${max}`);
    return this.raw(n);
  }

  /** Bytes left unread. */
  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  /** Requires that every byte was read. */
  end(): void {
    if (this.remaining !== 0) throw new DecodeError(`${this.remaining} trailing bytes`);
  }

  private take(n: number): Uint8Array {
    if (n > this.remaining) throw new DecodeError("unexpected end of input");
    const out = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
}
