/**
 * HPKE (RFC 9180) for MLS ciphersuite 1, synchronously on node:crypto: DHKEM(X25519,
 * HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base mode, single-shot (one message at sequence number
 * 0), which is all MLS uses to encrypt path secrets, group secrets and external-init secrets.
 *
 * Nothing is invented: this is RFC 9180 §4 (DHKEM, LabeledExtract/LabeledExpand), §5.1 (key
 * schedule, mode_base) and §5.2 (Seal/Open at sequence 0) transcribed for one suite, and §7.1.3
 * DeriveKeyPair for X25519. It is kept free of ts-mls's interfaces (nodeHpke.ts adapts it) so the
 * seal worker can load it alone.
 */
import { aesGcmDecrypt, aesGcmEncrypt } from "../aesGcm.js";
import { buf, own } from "../bytes.js";
import { SHA256_BYTES, hkdfExpand, hkdfExtract } from "../hkdf.js";
import { X25519_PRIVATE_BYTES, dh, generatePair, importPrivate, type X25519Key } from "./x25519.js";

const NH = SHA256_BYTES; // HKDF-SHA256 output
export const NK = 16; // AES-128-GCM key
export const NN = 12; // AES-128-GCM nonce
const MODE_BASE = 0x00;

const ascii = (s: string) => Buffer.from(s, "latin1");
const HPKE_V1 = ascii("HPKE-v1");
/** suite_id = "KEM" || I2OSP(kem_id = 0x0020, 2) for the KEM's own labels (§4.1). */
const KEM_SUITE_ID = Buffer.concat([ascii("KEM"), Buffer.from([0x00, 0x20])]);
/** suite_id = "HPKE" || kem_id 0x0020 || kdf_id 0x0001 || aead_id 0x0001 (§5.1). */
const HPKE_SUITE_ID = Buffer.concat([ascii("HPKE"), Buffer.from([0x00, 0x20, 0x00, 0x01, 0x00, 0x01])]);
const EMPTY = Buffer.alloc(0);

function labeledExtract(suiteId: Buffer, salt: Buffer, label: string, ikm: Buffer): Buffer {
  return hkdfExtract(salt, Buffer.concat([HPKE_V1, suiteId, ascii(label), ikm]));
}

function labeledExpand(suiteId: Buffer, prk: Buffer, label: string, info: Buffer, length: number): Buffer {
  const l = Buffer.from([length >> 8, length & 0xff]);
  // Every length HPKE asks for here (Nh, Nk, Nn, Nsk) is at most one block.
  return hkdfExpand(prk, Buffer.concat([l, HPKE_V1, suiteId, ascii(label), info]), length);
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

export interface Sealed {
  ct: Uint8Array;
  enc: Uint8Array;
}

/** SealBase (§5.2, §6.1) to pkR under a fresh ephemeral key. */
export function sealBase(pkR: X25519Key, plaintext: Uint8Array, info: Uint8Array, aad: Uint8Array | undefined): Sealed {
  const eph = generatePair();
  const enc = eph.publicKey.publicBytes();
  const dhOut = dh(eph.privateKey, pkR);
  const shared = kemSharedSecret(dhOut, enc, pkR.publicBytes());
  dhOut.fill(0);
  const { key, nonce } = keySchedule(shared, buf(info));
  shared.fill(0);
  try {
    return { ct: aesGcmEncrypt(key, nonce, aad, plaintext), enc: own(enc) };
  } finally {
    key.fill(0);
    nonce.fill(0);
  }
}

/** OpenBase (§5.2, §6.1) with skR of what was sealed to its public key under `pkE`. */
export function openBase(skR: X25519Key, pkE: X25519Key, ciphertext: Uint8Array, info: Uint8Array, aad: Uint8Array | undefined): Uint8Array {
  const dhOut = dh(skR, pkE);
  const shared = kemSharedSecret(dhOut, pkE.publicBytes(), skR.publicBytes());
  dhOut.fill(0);
  const { key, nonce } = keySchedule(shared, buf(info));
  shared.fill(0);
  try {
    return aesGcmDecrypt(key, nonce, aad, ciphertext);
  } finally {
    key.fill(0);
    nonce.fill(0);
  }
}

/** DeriveKeyPair for X25519 (§7.1.3): the private key; its public half is derived by OpenSSL. */
export function derivePrivateKey(ikm: Uint8Array): X25519Key {
  const dkpPrk = labeledExtract(KEM_SUITE_ID, EMPTY, "dkp_prk", buf(ikm));
  const sk = labeledExpand(KEM_SUITE_ID, dkpPrk, "sk", EMPTY, X25519_PRIVATE_BYTES);
  dkpPrk.fill(0);
  try {
    return importPrivate(sk);
  } finally {
    sk.fill(0);
  }
}
