/**
 * The key derivations of RFC 9420 that one application message needs, done through the
 * ciphersuite's own HKDF-Expand (cs.kdf.expand) with the labels encoded once:
 *  - ExpandWithLabel / DeriveTreeSecret (§8): KDFLabel = uint16 length, opaque label<V> =
 *    "MLS 1.0 " + Label, opaque context<V>;
 *  - one step of a sender's application ratchet in the secret tree (§9.1): from the secret of
 *    generation g, key and nonce for g and the secret of g + 1;
 *  - the sender-data key and nonce from a ciphertext sample (§6.3.2).
 * These are the same computations ts-mls's kdf.ts, secretTree.ts and sender.ts do (the interop
 * tests compare both ways); what is saved is ts-mls's per-call label encoding and copying.
 */
import type { CiphersuiteImpl } from "ts-mls";
import { openSecretTreeLeaf, type GenerationSecret, type SecretTree } from "ts-mls/secretTree.js";
import { leafToNodeIndex, toLeafIndex } from "ts-mls/treemath.js";
import { Writer, varLenSize } from "./wire.js";

const labels = new Map<string, Uint8Array>();

/** The opaque label<V> field ("MLS 1.0 " + label) of KDFLabel and SignContent, encoded once. */
export function labelField(label: string): Uint8Array {
  let field = labels.get(label);
  if (field === undefined) {
    const text = new TextEncoder().encode(`MLS 1.0 ${label}`);
    field = new Writer(varLenSize(text.length)).varLen(text).done();
    labels.set(label, field);
  }
  return field;
}

/** ExpandWithLabel(Secret, Label, Context, Length) (RFC 9420 §8). */
export function expandWithLabel(cs: CiphersuiteImpl, secret: Uint8Array, label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
  const field = labelField(label);
  const info = new Writer(2 + field.length + varLenSize(context.length)).u16(length).raw(field).varLen(context).done();
  return cs.kdf.expand(secret, info, length);
}

/** DeriveTreeSecret(Secret, Label, Generation, Length): ExpandWithLabel with the generation as a uint32 context. */
function deriveTreeSecret(cs: CiphersuiteImpl, secret: Uint8Array, label: string, generation: number, length: number): Promise<Uint8Array> {
  return expandWithLabel(cs, secret, label, new Writer(4).u32(generation).done(), length);
}

export interface RatchetStep {
  generation: number;
  key: Uint8Array;
  /** The AEAD nonce with the reuse guard already XORed into its first four bytes (§6.3.1). */
  nonce: Uint8Array;
  /** The secret tree with this leaf's application ratchet at generation + 1. */
  secretTree: SecretTree;
  /** The generation's secret and key: wipe them once the new tree has replaced the old one. */
  consumed: Uint8Array[];
}

/**
 * The leaf's application ratchet as it stands. For a leaf not yet used this epoch (our ts-mls
 * patch derives the secret tree lazily) it reads generation 0 with no secret, which is where the
 * ratchet will start: compare generations with it, but step it only with stepApplicationRatchet.
 */
export function applicationRatchet(tree: SecretTree, leafIndex: number): GenerationSecret | undefined {
  return tree[leafToNodeIndex(toLeafIndex(leafIndex))]?.application;
}

/**
 * Uses the current generation of `leafIndex`'s application ratchet and moves it one on. The
 * keys of skipped generations (`unusedGenerations`) are carried over untouched.
 */
export async function stepApplicationRatchet(cs: CiphersuiteImpl, unopenedTree: SecretTree, leafIndex: number, reuseGuard: Uint8Array): Promise<RatchetStep> {
  const index = leafToNodeIndex(toLeafIndex(leafIndex));
  if (unopenedTree[index] === undefined) throw new RangeError("no secret tree node for this leaf");
  // The leaf's ratchets are derived on first use (patches/ts-mls+1.6.4.patch, docs/mls-notes.md).
  const tree = await openSecretTreeLeaf(unopenedTree, index, cs.kdf);
  const node = tree[index];
  if (node === undefined) throw new RangeError("no secret tree node for this leaf");
  const { secret, generation } = node.application;
  const key = await deriveTreeSecret(cs, secret, "key", generation, cs.hpke.keyLength);
  const nonce = await deriveTreeSecret(cs, secret, "nonce", generation, cs.hpke.nonceLength);
  if (reuseGuard.length !== 4 || nonce.length < 4) throw new RangeError("reuse guard must be 4 bytes");
  for (let i = 0; i < 4; i++) nonce[i]! ^= reuseGuard[i]!;
  const next = await deriveTreeSecret(cs, secret, "secret", generation, cs.kdf.size);
  const secretTree = tree.slice();
  secretTree[index] = { ...node, application: { ...node.application, secret: next, generation: generation + 1 } };
  return { generation, key, nonce, secretTree, consumed: [secret, key] };
}

/** The sender-data AEAD key and nonce (§6.3.2), from the first KDF.Nh bytes of the content ciphertext. */
export async function senderDataKeys(cs: CiphersuiteImpl, senderDataSecret: Uint8Array, ciphertext: Uint8Array): Promise<{ key: Uint8Array; nonce: Uint8Array }> {
  const sample = ciphertext.subarray(0, cs.kdf.size);
  const key = await expandWithLabel(cs, senderDataSecret, "key", sample, cs.hpke.keyLength);
  const nonce = await expandWithLabel(cs, senderDataSecret, "nonce", sample, cs.hpke.nonceLength);
  return { key, nonce };
}
