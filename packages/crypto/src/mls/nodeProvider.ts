/**
 * A ts-mls CryptoProvider for Node, backed by node:crypto (OpenSSL) for ciphersuite 1.
 *
 * Why: ts-mls's default provider goes through WebCrypto for every hash, HMAC, HKDF step, AEAD
 * call and signature, importing a CryptoKey each time and awaiting a promise per primitive. An
 * application message costs a few dozen such calls, so the default path manages well under a
 * thousand encrypts a second. node:crypto does the same primitives synchronously on cached
 * KeyObjects. Nothing here is home-made: SHA-256, HMAC, AES-128-GCM and Ed25519 are OpenSSL's;
 * HKDF (RFC 5869) is the two-line composition of HMAC that the RFC defines; HPKE (RFC 9180, for
 * this one suite) is composed of the same primitives and X25519 in nodeHpke.ts.
 *
 * Only for Node: it is reachable through the "@parley/crypto/node" entry, never from the
 * browser build.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from "node:crypto";
import { defaultCryptoProvider, type Ciphersuite, type CiphersuiteImpl, type CryptoProvider } from "ts-mls";
import { CryptoError } from "ts-mls/mlsError.js";
import { aesGcmDecrypt, aesGcmEncrypt } from "./aesGcm.js";
import { buf, u8 } from "./bytes.js";
import { SHA256_BYTES, hkdfExpand, hkdfExtract, hmacSha256 } from "./hkdf.js";
import { nodeHpke } from "./nodeHpke.js";
import { CIPHERSUITE } from "./suite.js";

/** DER prefixes that turn a raw Ed25519 seed / public key into PKCS#8 / SPKI (RFC 8410). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** ts-mls's WebCrypto keygen hands out PKCS#8 blobs; accept those as well as raw seeds. */
const PKCS8_ED25519_BYTES = PKCS8_ED25519_PREFIX.length + 32;
/**
 * Parsed keys are cached because building a KeyObject costs about as much as a signature. The
 * cache is small and bounded: a device signs with one key and verifies a group's few senders.
 */
const KEY_CACHE_ENTRIES = 1024;

class KeyCache {
  private readonly map = new Map<string, KeyObject>();
  /** `secret` caches under a digest, so no copy of a private key sits in a string. */
  constructor(private readonly secret: boolean) {}
  get(bytes: Uint8Array, make: () => KeyObject): KeyObject {
    const id = this.secret ? createHash("sha256").update(bytes).digest("base64") : buf(bytes).toString("base64");
    let key = this.map.get(id);
    if (key === undefined) {
      key = make();
      if (this.map.size >= KEY_CACHE_ENTRIES) this.map.delete(this.map.keys().next().value as string);
      this.map.set(id, key);
    }
    return key;
  }
}

const privateKeys = new KeyCache(true);
const publicKeys = new KeyCache(false);

function ed25519PrivateKey(signKey: Uint8Array): KeyObject {
  return privateKeys.get(signKey, () => {
    if (signKey.length === 32) {
      return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, signKey]), format: "der", type: "pkcs8" });
    }
    if (signKey.length === PKCS8_ED25519_BYTES) return createPrivateKey({ key: Buffer.from(signKey), format: "der", type: "pkcs8" });
    throw new CryptoError(`Ed25519 private key must be 32 or ${PKCS8_ED25519_BYTES} bytes`);
  });
}

function ed25519PublicKey(publicKey: Uint8Array): KeyObject {
  return publicKeys.get(publicKey, () => {
    if (publicKey.length !== 32) throw new CryptoError("Ed25519 public key must be 32 bytes");
    return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: "der", type: "spki" });
  });
}

// node:crypto takes Uint8Arrays as they are; results come back as Buffers, which are handed on
// as plain Uint8Array views (u8) because Buffer's slice() does not copy.

async function nodeSuite(cs: Ciphersuite): Promise<CiphersuiteImpl> {
  // HPKE's KEM stays with the default implementation; its AEAD entry points (used for every
  // PrivateMessage and sender-data key) are replaced with OpenSSL's AES-GCM.
  const base = await defaultCryptoProvider.getCiphersuiteImpl(cs);
  return {
    name: cs.name,
    hash: {
      async digest(data) {
        return u8(createHash("sha256").update(data).digest());
      },
      async mac(key, data) {
        return u8(hmacSha256(key, data));
      },
      async verifyMac(key, mac, data) {
        const expected = hmacSha256(key, data);
        return mac.length === expected.length && timingSafeEqual(mac, expected);
      },
    },
    kdf: {
      async extract(salt, ikm) {
        return u8(hkdfExtract(salt, ikm));
      },
      async expand(prk, info, len) {
        return u8(hkdfExpand(prk, info, len));
      },
      size: SHA256_BYTES,
    },
    signature: {
      async sign(signKey, message) {
        return u8(nodeSign(null, message, ed25519PrivateKey(signKey)));
      },
      async verify(publicKey, message, signature) {
        if (signature.length !== 64) return false;
        try {
          return nodeVerify(null, message, ed25519PublicKey(publicKey), signature);
        } catch {
          return false;
        }
      },
      async keygen() {
        const signKey = u8(nodeRandomBytes(32));
        const spki = createPublicKey(ed25519PrivateKey(signKey)).export({ format: "der", type: "spki" });
        return { signKey, publicKey: u8(spki.subarray(spki.length - 32)) };
      },
    },
    // HPKE itself (X25519 KEM, key schedule) also runs on node:crypto: see nodeHpke.ts.
    hpke: nodeHpke({
      ...base.hpke,
      async encryptAead(key, nonce, aad, plaintext) {
        return aesGcmEncrypt(key, nonce, aad, plaintext);
      },
      async decryptAead(key, nonce, aad, ciphertext) {
        return aesGcmDecrypt(key, nonce, aad, ciphertext);
      },
    }),
    rng: {
      randomBytes(n) {
        return u8(nodeRandomBytes(n));
      },
    },
  };
}

/**
 * The Node provider. It serves Parley's one ciphersuite (the only one our groups accept) and
 * hands any other to ts-mls's default provider unchanged.
 */
export const nodeCryptoProvider: CryptoProvider = {
  getCiphersuiteImpl(cs: Ciphersuite): Promise<CiphersuiteImpl> {
    if (cs.name !== CIPHERSUITE) return defaultCryptoProvider.getCiphersuiteImpl(cs);
    return nodeSuite(cs);
  },
};
