/**
 * HPKE (RFC 9180) for ciphersuite 1 on node:crypto: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
 * AES-128-GCM, base mode, single-shot (one message at sequence number 0), which is all MLS uses
 * to encrypt path secrets, group secrets and external-init secrets.
 *
 * Why: a commit's UpdatePath is encrypted to every node of its copath resolutions, so a commit in
 * a 1000-member group whose parents are blank (a fresh tree) costs about a thousand HPKE seals.
 * ts-mls's default HPKE (@hpke/core) runs each X25519 and each HKDF step through WebCrypto: a
 * CryptoKey import and a promise per primitive, several milliseconds per seal. Here X25519,
 * HMAC and AES-GCM are OpenSSL's, called synchronously on KeyObjects.
 *
 * Nothing is invented: this is RFC 9180 §4 (DHKEM, LabeledExtract/LabeledExpand), §5.1 (key
 * schedule, mode_base) and §5.2 (Seal/Open at sequence 0) transcribed for one suite, and §7.1.3
 * DeriveKeyPair for X25519. The tests check it against the RFC's Appendix A.1.1 vectors and
 * against @hpke/core in both directions. The exporter interface (external commits only) is left
 * to the default implementation, given the same keys.
 */
import { createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { Hpke, PrivateKey, PublicKey } from "ts-mls/crypto/hpke.js";
import { CryptoError } from "ts-mls/mlsError.js";

const NH = 32; // HKDF-SHA256 output
const NPK = 32; // X25519 public key, enc
const NSK = 32; // X25519 private key
const NK = 16; // AES-128-GCM key
const NN = 12; // AES-128-GCM nonce
const MODE_BASE = 0x00;

const ascii = (s: string) => Buffer.from(s, "latin1");
const HPKE_V1 = ascii("HPKE-v1");
/** suite_id = "KEM" || I2OSP(kem_id = 0x0020, 2) for the KEM's own labels (§4.1). */
const KEM_SUITE_ID = Buffer.concat([ascii("KEM"), Buffer.from([0x00, 0x20])]);
/** suite_id = "HPKE" || kem_id 0x0020 || kdf_id 0x0001 || aead_id 0x0001 (§5.1). */
const HPKE_SUITE_ID = Buffer.concat([ascii("HPKE"), Buffer.from([0x00, 0x20, 0x00, 0x01, 0x00, 0x01])]);
const ZERO_SALT = Buffer.alloc(NH);
const EMPTY = Buffer.alloc(0);

/** A copy in its own ArrayBuffer: small Buffers may be slices of Node's shared pool. */
function own(b: Buffer): Uint8Array {
  return new Uint8Array(b);
}

function buf(b: Uint8Array): Buffer {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** HKDF-Extract (RFC 5869): HMAC with the salt as key; an empty salt is Nh zero bytes. */
function extract(salt: Buffer, ikm: Buffer): Buffer {
  return createHmac("sha256", salt.length === 0 ? ZERO_SALT : salt).update(ikm).digest();
}

/** HKDF-Expand (RFC 5869) for at most one block, which is all HPKE here asks for (L ≤ 32). */
function expandOneBlock(prk: Buffer, info: Buffer, length: number): Buffer {
  if (length > NH) throw new CryptoError("HPKE: expand longer than one block");
  return createHmac("sha256", prk).update(info).update(Buffer.from([1])).digest().subarray(0, length);
}

function labeledExtract(suiteId: Buffer, salt: Buffer, label: string, ikm: Buffer): Buffer {
  return extract(salt, Buffer.concat([HPKE_V1, suiteId, ascii(label), ikm]));
}

function labeledExpand(suiteId: Buffer, prk: Buffer, label: string, info: Buffer, length: number): Buffer {
  const l = Buffer.from([length >> 8, length & 0xff]);
  return expandOneBlock(prk, Buffer.concat([l, HPKE_V1, suiteId, ascii(label), info]), length);
}

/** A KeyObject with the raw public key kept alongside, so serializing it costs nothing. */
class X25519Key {
  constructor(
    readonly type: "public" | "private",
    readonly key: KeyObject,
    private rawPublic?: Buffer,
  ) {}

  /** The raw public key (of a private key: its public half). */
  publicBytes(): Buffer {
    this.rawPublic ??= Buffer.from(publicJwk(this.key).x, "base64url");
    return this.rawPublic;
  }
}

function publicJwk(key: KeyObject): { x: string } {
  const jwk = (key.type === "private" ? createPublicKey(key) : key).export({ format: "jwk" }) as { x?: string };
  if (typeof jwk.x !== "string") throw new CryptoError("X25519: no public key");
  return { x: jwk.x };
}

function importPublic(raw: Uint8Array): X25519Key {
  if (raw.length !== NPK) throw new CryptoError(`X25519 public key must be ${NPK} bytes`);
  const bytes = Buffer.from(raw);
  try {
    const key = createPublicKey({ key: { kty: "OKP", crv: "X25519", x: bytes.toString("base64url") }, format: "jwk" });
    return new X25519Key("public", key, bytes);
  } catch (e) {
    throw new CryptoError(`X25519 public key: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * A private key from its 32 raw bytes. The JWK form is the fast one (the PKCS#8 decoder costs
 * about a millisecond); Node requires its "x" member to be a string and derives the public key
 * from "d" itself, so "x" is left empty. Should a Node version ever insist on "x", PKCS#8 it is.
 */
const PKCS8_X25519_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
function importPrivate(raw: Uint8Array): X25519Key {
  if (raw.length !== NSK) throw new CryptoError(`X25519 private key must be ${NSK} bytes`);
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

function asKey(k: PublicKey | PrivateKey, type: "public" | "private"): X25519Key {
  if (!(k instanceof X25519Key) || k.type !== type) throw new CryptoError(`HPKE: not an X25519 ${type} key of this provider`);
  return k;
}

const asPublicKey = (k: X25519Key) => k as unknown as PublicKey;
const asPrivateKey = (k: X25519Key) => k as unknown as PrivateKey;

/** DH(sk, pk), refusing the all-zero output as RFC 9180 §7.1.4 requires (OpenSSL refuses it too). */
function dh(sk: X25519Key, pk: X25519Key): Buffer {
  let out: Buffer;
  try {
    out = diffieHellman({ privateKey: sk.key, publicKey: pk.key });
  } catch (e) {
    throw new CryptoError(`X25519: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (out.every((b) => b === 0)) throw new CryptoError("X25519: all-zero shared secret");
  return out;
}

/** ExtractAndExpand of DHKEM (§4.1): the KEM shared secret from dh and kem_context = enc || pkRm. */
function kemSharedSecret(dhOut: Buffer, enc: Buffer, pkRm: Buffer): Buffer {
  const eaePrk = labeledExtract(KEM_SUITE_ID, EMPTY, "eae_prk", dhOut);
  const secret = labeledExpand(KEM_SUITE_ID, eaePrk, "shared_secret", Buffer.concat([enc, pkRm]), NH);
  eaePrk.fill(0);
  return secret;
}

/** psk_id_hash for mode_base (empty psk_id) is a constant of the suite. */
const PSK_ID_HASH = labeledExtract(HPKE_SUITE_ID, EMPTY, "psk_id_hash", EMPTY);

/**
 * info_hash of the last info seen. A commit seals to every copath node under one info (the
 * label and the new GroupContext), so one entry saves an HMAC per recipient; it is compared by
 * value, and info is public.
 */
let lastInfo: { info: Buffer; hash: Buffer } | undefined;
function infoHash(info: Buffer): Buffer {
  if (lastInfo === undefined || !lastInfo.info.equals(info)) {
    lastInfo = { info: Buffer.from(info), hash: labeledExtract(HPKE_SUITE_ID, EMPTY, "info_hash", info) };
  }
  return lastInfo.hash;
}

/** KeyScheduleS/R for mode_base (§5.1): the AEAD key and base nonce; the exporter secret is not needed here. */
function keySchedule(sharedSecret: Buffer, info: Buffer): { key: Buffer; nonce: Buffer } {
  const context = Buffer.concat([Buffer.from([MODE_BASE]), PSK_ID_HASH, infoHash(info)]);
  const secret = labeledExtract(HPKE_SUITE_ID, sharedSecret, "secret", EMPTY);
  const key = labeledExpand(HPKE_SUITE_ID, secret, "key", context, NK);
  const nonce = labeledExpand(HPKE_SUITE_ID, secret, "base_nonce", context, NN);
  secret.fill(0);
  return { key, nonce };
}

type Aead = (key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined, data: Uint8Array) => Promise<Uint8Array>;

/**
 * `base` is the HPKE the rest comes from: its AEAD entry points (already on node:crypto) are used
 * for the one AEAD call of Seal/Open, and its exporter for external commits.
 */
export function nodeHpke(base: Hpke): Hpke {
  const encryptAead: Aead = (k, n, a, p) => base.encryptAead(k, n, a, p);
  const decryptAead: Aead = (k, n, a, c) => base.decryptAead(k, n, a, c);
  // The exporter goes to the base implementation, with the keys handed over in raw form.
  const toBasePublic = (k: PublicKey) => base.importPublicKey(own(asKey(k, "public").publicBytes()));
  const toBasePrivate = async (k: PrivateKey) => {
    const raw = exportPrivate(asKey(k, "private"));
    try {
      return await base.importPrivateKey(raw);
    } finally {
      raw.fill(0);
    }
  };

  return {
    ...base,
    async seal(publicKey, plaintext, info, aad) {
      const pkR = asKey(publicKey, "public");
      const { privateKey, publicKey: pkE } = generateKeyPairSync("x25519");
      const skE = new X25519Key("private", privateKey);
      const enc = new X25519Key("public", pkE).publicBytes();
      const dhOut = dh(skE, pkR);
      const shared = kemSharedSecret(dhOut, enc, pkR.publicBytes());
      dhOut.fill(0);
      const { key, nonce } = keySchedule(shared, buf(info));
      shared.fill(0);
      try {
        return { ct: await encryptAead(key, nonce, aad, plaintext), enc: own(enc) };
      } finally {
        key.fill(0);
        nonce.fill(0);
      }
    },
    async open(privateKey, kemOutput, ciphertext, info, aad) {
      const skR = asKey(privateKey, "private");
      const pkE = importPublic(kemOutput);
      const dhOut = dh(skR, pkE);
      const shared = kemSharedSecret(dhOut, pkE.publicBytes(), skR.publicBytes());
      dhOut.fill(0);
      const { key, nonce } = keySchedule(shared, buf(info));
      shared.fill(0);
      try {
        return await decryptAead(key, nonce, aad, ciphertext);
      } finally {
        key.fill(0);
        nonce.fill(0);
      }
    },
    async importPublicKey(k) {
      return asPublicKey(importPublic(k));
    },
    async importPrivateKey(k) {
      return asPrivateKey(importPrivate(k));
    },
    async exportPublicKey(k) {
      return own(asKey(k, "public").publicBytes());
    },
    async exportPrivateKey(k) {
      return exportPrivate(asKey(k, "private"));
    },
    /** DeriveKeyPair for X25519 (§7.1.3). */
    async deriveKeyPair(ikm) {
      const dkpPrk = labeledExtract(KEM_SUITE_ID, EMPTY, "dkp_prk", buf(ikm));
      const sk = labeledExpand(KEM_SUITE_ID, dkpPrk, "sk", EMPTY, NSK);
      dkpPrk.fill(0);
      try {
        return keyPair(importPrivate(sk));
      } finally {
        sk.fill(0);
      }
    },
    async generateKeyPair() {
      const { privateKey, publicKey } = generateKeyPairSync("x25519");
      const pub = new X25519Key("public", publicKey).publicBytes();
      return { privateKey: asPrivateKey(new X25519Key("private", privateKey, pub)), publicKey: asPublicKey(new X25519Key("public", publicKey, pub)) };
    },
    async exportSecret(publicKey, exporterContext, length, info) {
      return base.exportSecret(await toBasePublic(publicKey), exporterContext, length, info);
    },
    async importSecret(privateKey, exporterContext, kemOutput, length, info) {
      return base.importSecret(await toBasePrivate(privateKey), exporterContext, kemOutput, length, info);
    },
    keyLength: NK,
    nonceLength: NN,
  };
}

function keyPair(sk: X25519Key): { privateKey: PrivateKey; publicKey: PublicKey } {
  const pub = sk.publicBytes();
  return { privateKey: asPrivateKey(sk), publicKey: asPublicKey(new X25519Key("public", createPublicKey(sk.key), pub)) };
}

function exportPrivate(k: X25519Key): Uint8Array {
  const jwk = k.key.export({ format: "jwk" }) as { d?: string };
  if (typeof jwk.d !== "string") throw new CryptoError("X25519: not a private key");
  const d = Buffer.from(jwk.d, "base64url");
  const out = own(d);
  d.fill(0);
  return out;
}
