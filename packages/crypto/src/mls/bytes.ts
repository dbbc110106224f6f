/**
 * Moving between Buffers (what node:crypto returns) and plain Uint8Arrays (what ts-mls holds),
 * with no dependencies, so the HPKE seal worker can load it too.
 */

/** A Buffer view of the same bytes (no copy). */
export const buf = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** A plain Uint8Array view of the same bytes (no copy): Buffer's slice() does not copy either. */
export const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** A copy in its own ArrayBuffer: small Buffers may be slices of Node's shared pool. */
export const own = (b: Uint8Array): Uint8Array => new Uint8Array(b);
