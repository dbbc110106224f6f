/**
 * ts-mls's Hpke interface on node:crypto for ciphersuite 1 (RFC 9180 base mode, single-shot),
 * which is all MLS uses to encrypt path secrets, group secrets and external-init secrets.
 *
 * Why: a commit's UpdatePath is encrypted to every node of its copath resolutions, so a commit in
 * a 1000-member group whose parents are blank (a fresh tree) costs about a thousand HPKE seals.
 * ts-mls's default HPKE (@hpke/core) runs each X25519 and each HKDF step through WebCrypto: a
 * CryptoKey import and a promise per primitive, several milliseconds per seal. Here X25519,
 * HMAC and AES-GCM are OpenSSL's, called synchronously on KeyObjects (hpke/suite1.ts), and seals
 * asked for together are shared with a worker thread (hpke/sealPool.ts).
 *
 * The tests check it against RFC 9180's Appendix A.1.1 vectors and against @hpke/core in both
 * directions. The exporter interface (external commits only) is left to the default
 * implementation, given the same keys.
 */
import type { Hpke, PrivateKey, PublicKey } from "ts-mls/crypto/hpke.js";
import { CryptoError } from "ts-mls/mlsError.js";
import { SealPool } from "./hpke/sealPool.js";
import { own } from "./bytes.js";
import { NK, NN, derivePrivateKey, openBase } from "./hpke/suite1.js";
import { X25519Key, exportPrivate, generatePair, importPrivate, importPublic, publicOf } from "./hpke/x25519.js";

/** One pool per process: one worker serves every group. */
const sealPool = new SealPool();

function asKey(k: PublicKey | PrivateKey, type: "public" | "private"): X25519Key {
  if (!(k instanceof X25519Key) || k.type !== type) throw new CryptoError(`HPKE: not an X25519 ${type} key of this provider`);
  return k;
}

const asPublicKey = (k: X25519Key) => k as unknown as PublicKey;
const asPrivateKey = (k: X25519Key) => k as unknown as PrivateKey;

/** `base` supplies the exporter (external commits), handed the same keys in raw form. */
export function nodeHpke(base: Hpke): Hpke {
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
      return sealPool.seal(asKey(publicKey, "public"), plaintext, info, aad);
    },
    async open(privateKey, kemOutput, ciphertext, info, aad) {
      return openBase(asKey(privateKey, "private"), importPublic(kemOutput), ciphertext, info, aad);
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
    async deriveKeyPair(ikm) {
      const sk = derivePrivateKey(ikm);
      return { privateKey: asPrivateKey(sk), publicKey: asPublicKey(publicOf(sk)) };
    },
    async generateKeyPair() {
      const { privateKey, publicKey } = generatePair();
      return { privateKey: asPrivateKey(privateKey), publicKey: asPublicKey(publicKey) };
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
