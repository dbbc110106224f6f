/**
 * Building TLS-presentation-language bytes (RFC 9420 §2.1) for the application-message path
 * without ts-mls's generic encoder closures, which cost more than the structures they write.
 * Only what that path needs: fixed-width integers, opaque<V> with MLS's variable-length
 * prefix (§2.1.2), and raw bytes. The layouts themselves live with their users.
 */

/** Size of the variable-length prefix of an opaque<V> of `n` bytes. */
export function varLenPrefixSize(n: number): number {
  if (n < 0x40) return 1;
  if (n < 0x4000) return 2;
  if (n < 0x40000000) return 4;
  throw new RangeError("opaque<V> longer than 2^30 - 1 bytes");
}

/** Writes into one preallocated buffer; the caller sizes it exactly (`done` checks that). */
export class Writer {
  private offset = 0;
  readonly bytes: Uint8Array;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
  }

  /** Integers are big-endian (network order); callers pass values that fit, as the RFC's types do. */
  u8(n: number): this {
    this.bytes[this.offset++] = n & 0xff;
    return this;
  }

  u16(n: number): this {
    return this.u8(n >>> 8).u8(n);
  }

  u32(n: number): this {
    return this.u16(n >>> 16).u16(n & 0xffff);
  }

  u64(n: bigint): this {
    if (n < 0n || n > 0xffffffffffffffffn) throw new RangeError("uint64 out of range");
    return this.u32(Number(n >> 32n)).u32(Number(n & 0xffffffffn));
  }

  raw(data: Uint8Array): this {
    this.bytes.set(data, this.offset);
    this.offset += data.length;
    return this;
  }

  /** Leaves `n` bytes as they are: zero, since the buffer starts zeroed (padding). */
  zeros(n: number): this {
    this.offset += n;
    return this;
  }

  /** The RFC 9420 §2.1.2 length prefix of an opaque<V> of `n` bytes. */
  prefix(n: number): this {
    const size = varLenPrefixSize(n);
    if (size === 1) return this.u8(n);
    if (size === 2) return this.u16(0x4000 | n);
    return this.u32((0x80000000 | n) >>> 0);
  }

  /** opaque<V>: the length prefix, then the bytes. */
  varLen(data: Uint8Array): this {
    return this.prefix(data.length).raw(data);
  }

  /** The written bytes; throws if the size given to the constructor was wrong (a bug here, never data). */
  done(): Uint8Array {
    if (this.offset !== this.bytes.length) throw new Error(`Writer: wrote ${this.offset} of ${this.bytes.length} bytes`);
    return this.bytes;
  }
}

/** Encoded size of an opaque<V> holding `n` bytes. */
export function varLenSize(n: number): number {
  return varLenPrefixSize(n) + n;
}
