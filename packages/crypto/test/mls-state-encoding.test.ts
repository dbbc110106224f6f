/**
 * A saved group state is written after every message, so its encoders are ours where ts-mls's
 * closure-per-field ones cost the most (patches/ts-mls+1.6.4.patch, docs/mls-notes.md). The
 * bytes must stay exactly what ts-mls writes: states saved before the change are read by the same
 * decoders, and a state saved now must read back the same.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import {
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  encodeGroupState,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
} from "ts-mls";
import { contramapBufferEncoders, encode } from "ts-mls/codec/tlsEncoder.js";
import { varLenDataEncoder, varLenTypeEncoder } from "ts-mls/codec/variableLength.js";
import {
  composedSecretTreeEncoder,
  consumeRatchet,
  createSecretTree,
  decodeSecretTree,
  ratchetToGeneration,
  secretTreeEncoder,
  type GenerationSecret,
  type SecretTree,
} from "ts-mls/secretTree.js";
import { leafToNodeIndex, toLeafIndex } from "ts-mls/treemath.js";
import { decodeStoredGroup, encodeStoredGroup } from "../src/mls/stateCodec.js";
import { nodeCryptoProvider } from "../src/node.js";
import { utf8 } from "./mls-fixtures.js";

const SUITE = getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519");
const leafNode = (leaf: number) => leafToNodeIndex(toLeafIndex(leaf));

function assertSameAsComposed(tree: SecretTree, what: string) {
  const ours = encode(secretTreeEncoder)(tree);
  assert.deepEqual(ours, encode(composedSecretTreeEncoder)(tree), what);
  const decoded = decodeSecretTree(ours, 0);
  assert.ok(decoded, `${what}: decodes`);
  assert.equal(decoded[1], ours.length, `${what}: decodes whole`);
  assert.deepEqual(decoded[0], tree, `${what}: reads back the same`);
}

const ratchet = (secret: Uint8Array, generation: number, unused: Record<number, Uint8Array> = {}): GenerationSecret => ({
  secret,
  generation,
  unusedGenerations: unused,
});

test("secret trees are written byte for byte as ts-mls's own encoder writes them, as real use leaves them", async () => {
  const cs = await getCiphersuiteImpl(SUITE, nodeCryptoProvider);
  let tree = await createSecretTree(16, cs.rng.randomBytes(cs.kdf.size), cs.kdf);
  assertSameAsComposed(tree, "a new tree: only the root secret");
  tree = (await consumeRatchet(tree, leafNode(3), "application", cs)).newTree;
  assertSameAsComposed(tree, "one leaf opened and used");
  tree = (await consumeRatchet(tree, leafNode(3), "commit", cs)).newTree;
  // A receiver skipping generations keeps their keys for late messages (unusedGenerations).
  const retention = { retainKeysForGenerations: 10, retainKeysForEpochs: 4, maximumForwardRatchetSteps: 200 };
  const reuseGuard = new Uint8Array(4) as Uint8Array & { length: 4 };
  tree = (await ratchetToGeneration(tree, { leafIndex: 9, generation: 7, reuseGuard }, "application", retention, cs)).newTree;
  assertSameAsComposed(tree, "a receiver six generations ahead");
  tree = (await ratchetToGeneration(tree, { leafIndex: 9, generation: 2, reuseGuard }, "application", retention, cs)).newTree;
  assertSameAsComposed(tree, "a late message taken from the kept keys");
  for (const leaf of [0, 15, 8]) tree = (await consumeRatchet(tree, leafNode(leaf), "application", cs)).newTree;
  assertSameAsComposed(tree, "several leaves opened");
});

test("secret trees with every length form are written as ts-mls writes them", () => {
  const secret = (n: number) => new Uint8Array(randomBytes(n));
  const kept = (count: number, from = 0) => Object.fromEntries(Array.from({ length: count }, (_, i) => [from + i * 3, secret(32)]));
  // Keys put in out of order: both encoders take Object.entries' order (integer keys ascending).
  const shuffled: Record<number, Uint8Array> = {};
  for (const k of [40, 3, 17, 0]) shuffled[k] = secret(32);
  const tree: SecretTree = [
    { handshake: ratchet(new Uint8Array(), 0), application: ratchet(new Uint8Array(), 0) },
    { handshake: ratchet(secret(32), 5, kept(1)), application: ratchet(secret(32), 2 ** 32 - 1, shuffled) },
    // One-byte, two-byte (≥ 64) and four-byte (≥ 16384) length headers, for secrets and records.
    { handshake: ratchet(secret(63), 1, kept(2)), application: ratchet(secret(64), 1, kept(443)) },
    { handshake: ratchet(secret(16383), 0), application: ratchet(secret(16384), 9, kept(444, 1000)) },
  ];
  assertSameAsComposed(tree, "hand-built nodes");
  assertSameAsComposed([], "an empty tree");
});

test("a saved state is the same bytes as ts-mls's state encoding wrapped the way it always was", async () => {
  const cs = await getCiphersuiteImpl(SUITE, nodeCryptoProvider);
  const keyPackage = (name: string) =>
    generateKeyPackage({ credentialType: "basic", identity: utf8.encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
  const [creator, other] = [await keyPackage("creator"), await keyPackage("other")];
  const state = await createGroup(utf8.encode("saved"), creator.publicPackage, creator.privatePackage, [], cs);
  const made = await createCommit({ state, cipherSuite: cs }, { extraProposals: [{ proposalType: "add", add: { keyPackage: other.publicPackage } }] });
  const commit = new Uint8Array(randomBytes(300));
  // The format of stateCodec.ts before it wrote in place: each GroupState encoded, then wrapped.
  const wrapped = encode(
    contramapBufferEncoders(
      [varLenDataEncoder, varLenTypeEncoder(contramapBufferEncoders([varLenDataEncoder, varLenDataEncoder], (p: { commit: Uint8Array; state: Uint8Array }) => [p.commit, p.state] as const))],
      (b: { state: Uint8Array; pendings: { commit: Uint8Array; state: Uint8Array }[] }) => [b.state, b.pendings] as const,
    ),
  );
  const magic = [0x50, 0x4d, 0x47, 0x01];
  for (const pendings of [[], [{ commit, state: made.newState }]]) {
    const saved = encodeStoredGroup(state, pendings);
    const before = wrapped({ state: encodeGroupState(state), pendings: pendings.map((p) => ({ commit: p.commit, state: encodeGroupState(p.state) })) });
    assert.deepEqual(saved, new Uint8Array([...magic, ...before]), `${pendings.length} pending commits`);
    const read = decodeStoredGroup(saved);
    assert.deepEqual(encodeGroupState(read.state), encodeGroupState(state));
    assert.deepEqual(read.pendings.map((p) => p.commit), pendings.map((p) => p.commit));
    assert.deepEqual(read.pendings.map((p) => encodeGroupState(p.state)), pendings.map((p) => encodeGroupState(p.state)));
  }
});
