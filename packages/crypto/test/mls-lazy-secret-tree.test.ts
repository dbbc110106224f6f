/**
 * patches/ts-mls+1.6.4.patch derives the secret tree lazily: a leaf's ratchets are made on first
 * use (docs/mls-notes.md). These tests hold it to RFC 9420 §9 derived eagerly, as ts-mls 1.6.4
 * did: every leaf's handshake and application ratchet must come out byte for byte the same, in any
 * order of use, through a save and restore of a half-opened tree; the secrets of split nodes must
 * be gone from the tree; a tree in the old, fully derived form (a state saved before the
 * patch) must still be used as it is; and merging our commit must keep the epoch's current tree
 * for late messages, not the one recorded when the commit was made.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { getCiphersuiteFromName, getCiphersuiteImpl, type CiphersuiteImpl } from "ts-mls";
import { encode } from "ts-mls/codec/tlsEncoder.js";
import { expandWithLabel } from "ts-mls/crypto/kdf.js";
import {
  consumeRatchet,
  createSecretTree,
  decodeSecretTree,
  openSecretTreeLeaf,
  ratchetToGeneration,
  secretTreeEncoder,
  type SecretTree,
  type SecretTreeNode,
} from "ts-mls/secretTree.js";
import { isLeaf, leafToNodeIndex, left, nodeWidth, right, root, toLeafIndex, toNodeIndex, type NodeIndex } from "ts-mls/treemath.js";
import { MlsGroup } from "../src/mls/index.js";
import { nodeCryptoProvider } from "../src/node.js";
import { allowList, finder, makeDevice, rejectsWith, uploadKeyPackage } from "./mls-fixtures.js";

const SUITE = getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519");
const utf8 = new TextEncoder();

/** RFC 9420 §9, every node derived from the root down, ratchets for every node: ts-mls 1.6.4's createSecretTree. */
async function eagerSecretTree(leafWidth: number, encryptionSecret: Uint8Array, cs: CiphersuiteImpl): Promise<SecretTree> {
  const secrets = new Array<Uint8Array>(nodeWidth(leafWidth));
  const derive = async (i: NodeIndex): Promise<void> => {
    if (isLeaf(i)) return;
    secrets[left(i)] = await expandWithLabel(secrets[i]!, "tree", utf8.encode("left"), cs.kdf.size, cs.kdf);
    secrets[right(i)] = await expandWithLabel(secrets[i]!, "tree", utf8.encode("right"), cs.kdf.size, cs.kdf);
    await derive(left(i));
    await derive(right(i));
  };
  secrets[root(leafWidth)] = encryptionSecret;
  await derive(root(leafWidth));
  const ratchet = async (secret: Uint8Array, label: string) => ({
    secret: await expandWithLabel(secret, label, new Uint8Array(), cs.kdf.size, cs.kdf),
    generation: 0,
    unusedGenerations: {},
  });
  return Promise.all(secrets.map(async (s): Promise<SecretTreeNode> => ({ handshake: await ratchet(s, "handshake"), application: await ratchet(s, "application") })));
}

const leafNode = (leaf: number) => leafToNodeIndex(toLeafIndex(leaf));

/** A deterministic permutation of 0..n-1 (no randomness in tests). */
function shuffled(n: number, seed: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

for (const [name, provider] of [["node", nodeCryptoProvider], ["default", undefined]] as const) {
  test(`${name} provider: every leaf's ratchets equal the eager derivation, in any order, across a save and restore`, async () => {
    const cs = await getCiphersuiteImpl(SUITE, provider);
    for (const leafWidth of [1, 2, 4, 16]) {
      const encryptionSecret = cs.rng.randomBytes(cs.kdf.size);
      const eager = await eagerSecretTree(leafWidth, encryptionSecret.slice(), cs);
      let lazy = await createSecretTree(leafWidth, encryptionSecret, cs.kdf);
      encryptionSecret.fill(0); // callers zero it at once: the tree must hold its own copy
      const order = shuffled(leafWidth, leafWidth);
      for (const [k, leaf] of order.entries()) {
        if (k === Math.floor(leafWidth / 2)) lazy = decodeSecretTree(encode(secretTreeEncoder)(lazy), 0)![0];
        lazy = await openSecretTreeLeaf(lazy, leafNode(leaf), cs.kdf);
        assert.deepEqual(lazy[leafNode(leaf)], eager[leafNode(leaf)], `leaf ${leaf} of ${leafWidth}`);
        assert.equal(await openSecretTreeLeaf(lazy, leafNode(leaf), cs.kdf), lazy, "an opened leaf is left as it is");
      }
      for (let leaf = 0; leaf < leafWidth; leaf++) assert.deepEqual(lazy[leafNode(leaf)], eager[leafNode(leaf)]);
    }
  });
}

test("split nodes keep no secret, and what a message uses comes from the same keys as before", async () => {
  const cs = await getCiphersuiteImpl(SUITE, nodeCryptoProvider);
  const encryptionSecret = cs.rng.randomBytes(cs.kdf.size);
  const eager = await eagerSecretTree(8, encryptionSecret, cs);
  const lazy = await createSecretTree(8, encryptionSecret, cs.kdf);

  const sent = await consumeRatchet(lazy, leafNode(5), "application", cs);
  const reference = await consumeRatchet(eager, leafNode(5), "application", cs);
  assert.deepEqual([sent.key, sent.generation], [reference.key, reference.generation]);
  assert.deepEqual(sent.newTree[leafNode(5)], reference.newTree[leafNode(5)]);
  // The nodes on leaf 5's path are split: their tree secrets are gone from the new tree.
  for (const i of [7, 11, 9]) assert.equal(sent.newTree[i]!.handshake.secret.length, 0, `node ${i}`);
  const saved = encode(secretTreeEncoder)(sent.newTree);
  assert.equal(Buffer.from(saved).indexOf(Buffer.from(encryptionSecret)), -1, "the root secret is not saved once split");

  // A receiver reaches a later generation of another leaf through ratchetToGeneration.
  const senderData = { leafIndex: 2, generation: 3, reuseGuard: new Uint8Array(4) as Uint8Array & { length: 4 } };
  const retention = { retainKeysForGenerations: 10, retainKeysForEpochs: 4, maximumForwardRatchetSteps: 200 };
  const got = await ratchetToGeneration(sent.newTree, senderData, "application", retention, cs);
  const want = await ratchetToGeneration(eager, senderData, "application", retention, cs);
  assert.deepEqual([got.key, got.nonce], [want.key, want.nonce]);
  assert.deepEqual(got.newTree[leafNode(2)], want.newTree[leafNode(2)]);
});

test("a fully derived tree (a state saved before the patch) is used as it is", async () => {
  const cs = await getCiphersuiteImpl(SUITE, nodeCryptoProvider);
  const eager = await eagerSecretTree(4, cs.rng.randomBytes(cs.kdf.size), cs);
  for (let leaf = 0; leaf < 4; leaf++) assert.equal(await openSecretTreeLeaf(eager, leafNode(leaf), cs.kdf), eager);
  const sent = await consumeRatchet(eager, leafNode(3), "commit", cs);
  assert.equal(sent.newTree[leafNode(3)]!.handshake.generation, 1);
  assert.deepEqual(sent.newTree[toNodeIndex(0)], eager[0]);
});

test("a message read between creating and merging our commit cannot be read again from the old epoch's record", async () => {
  const [alice, bob] = await Promise.all([makeDevice("alice/1"), makeDevice("bob/1")]);
  const validate = allowList(alice, bob);
  const a = await MlsGroup.create(utf8.encode("late-messages"), alice.signer, validate);
  const add = await a.commitAdd([await uploadKeyPackage(bob)]);
  await a.merge(add);
  const { group: b } = await MlsGroup.joinFromWelcome(add.welcome!, finder(bob), bob.signer, validate);

  const pending = await a.commitUpdate(); // records this epoch's secret tree for late messages
  const read = await b.encrypt(utf8.encode("read before the merge"));
  const late = await b.encrypt(utf8.encode("arrives after the merge"));
  assert.equal((await a.process(read)).kind, "application");
  await a.merge(pending);
  // The record of the old epoch is the tree as it stands now: bob's first key is used up there...
  await rejectsWith(a.process(read), "MLS_REJECTED");
  // ...and his next one still opens.
  const got = await a.process(late);
  assert.equal(got.kind === "application" && new TextDecoder().decode(got.plaintext), "arrives after the merge");
});
