/**
 * X25519 keys on node:crypto for the HPKE of ciphersuite 1: a KeyObject with the raw public key
 * kept alongside, so serializing it costs nothing.
 *
 * A public key imported from raw bytes builds its KeyObject only when first used. A commit hands
 * HPKE a thousand public keys in a large group; the ones sealed to by the seal worker
 * (sealPool.ts) never need a KeyObject on the main thread.
 */
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from "node:crypto";
import { CryptoError } from "ts-mls/mlsError.js";
import { buf, own } from "../bytes.js";

export const X25519_PUBLIC_BYTES = 32;
export const X25519_PRIVATE_BYTES = 32;

export class X25519Key {
  #key: KeyObject | undefined;
  #rawPublic: Buffer | undefined;

  /** Give `key`, or (for a public key) `rawPublic` alone. */
  constructor(
    readonly type: "public" | "private",
    key: KeyObject | undefined,
    rawPublic?: Buffer,
  ) {
    if (key === undefined && (type !== "public" || rawPublic === undefined)) throw new CryptoError("X25519: a key needs its KeyObject or raw public bytes");
    this.#key = key;
    this.#rawPublic = rawPublic;
  }

  get key(): KeyObject {
    if (this.#key === undefined) {
      try {
        this.#key = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: this.#rawPublic!.toString("base64url") }, format: "jwk" });
      } catch (e) {
        throw new CryptoError(`X25519 public key: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return this.#key;
  }

  /** The raw public key (of a private key: its public half). */
  publicBytes(): Buffer {
    this.#rawPublic ??= Buffer.from(publicJwkX(this.key), "base64url");
    return this.#rawPublic;
  }
}

function publicJwkX(key: KeyObject): string {
  const jwk = (key.type === "private" ? createPublicKey(key) : key).export({ format: "jwk" }) as { x?: string };
  if (typeof jwk.x !== "string") throw new CryptoError("X25519: no public key");
  return jwk.x;
}

export function importPublic(raw: Uint8Array): X25519Key {
  if (raw.length !== X25519_PUBLIC_BYTES) throw new CryptoError(`X25519 public key must be ${X25519_PUBLIC_BYTES} bytes`);
  // A copy in its own ArrayBuffer, not a slice of Node's shared Buffer pool.
  return new X25519Key("public", undefined, buf(own(raw)));
}

/**
 * A private key from its 32 raw bytes. The JWK form is the fast one (the PKCS#8 decoder costs
 * about a millisecond); Node requires its "x" member to be a string and derives the public key
 * from "d" itself, so "x" is left empty. Should a Node version ever insist on "x", PKCS#8 it is.
 */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
export function importPrivate(raw: Uint8Array): X25519Key {
  if (raw.length !== X25519_PRIVATE_BYTES) throw new CryptoError(`X25519 private key must be ${X25519_PRIVATE_BYTES} bytes`);
  const d = buf(raw);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: d.toString("base64url"), x: "" }, format: "jwk" });
  } catch {
    const der = Buffer.concat([PKCS8_X25519_PREFIX, d]);
    key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    der.fill(0);
  }
  return new X25519Key("private", key);
}

export function exportPrivate(k: X25519Key): Uint8Array {
  const jwk = k.key.export({ format: "jwk" }) as { d?: string };
  if (typeof jwk.d !== "string") throw new CryptoError("X25519: not a private key");
  const d = Buffer.from(jwk.d, "base64url");
  const out = own(d);
  d.fill(0);
  return out;
}

/**
 * A fresh key pair: 32 bytes from OpenSSL's CSPRNG as the private key, which is what an X25519
 * private key is (RFC 7748 §5: any 32 bytes, clamped by the function itself; RFC 9180's
 * DeriveKeyPair for X25519 takes its bytes the same way).
 *
 * Not generateKeyPairSync: on Node 20, exporting a key made by it can deadlock its thread. The
 * export holds the key's mutex while it allocates; if that allocation collects the spent key
 * generation job, the job's destructor takes the same mutex and waits for ever. Seen here as a
 * hung 1000-member commit (gdb: ExportJWKEdKey → GC → ~KeyGenJob → uv_mutex_lock); a key imported
 * from bytes has no such job.
 */
export function generatePair(): { privateKey: X25519Key; publicKey: X25519Key } {
  const raw = randomBytes(X25519_PRIVATE_BYTES);
  try {
    const sk = importPrivate(raw);
    return { privateKey: sk, publicKey: publicOf(sk) };
  } finally {
    raw.fill(0);
  }
}

/** The public half of a private key, as its own key (its raw bytes exported when first asked for). */
export function publicOf(sk: X25519Key): X25519Key {
  return new X25519Key("public", createPublicKey(sk.key));
}

/** DH(sk, pk), refusing the all-zero output as RFC 9180 §7.1.4 requires (OpenSSL refuses it too). */
export function dh(sk: X25519Key, pk: X25519Key): Buffer {
  let out: Buffer;
  try {
    out = diffieHellman({ privateKey: sk.key, publicKey: pk.key });
  } catch (e) {
    throw new CryptoError(`X25519: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (out.every((b) => b === 0)) throw new CryptoError("X25519: all-zero shared secret");
  return out;
}
