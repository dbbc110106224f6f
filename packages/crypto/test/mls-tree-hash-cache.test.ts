/**
 * patches/ts-mls+1.6.4.patch memoises ts-mls's tree hashes by the identity of the nodes they
 * cover, and each tree node's encoding by the identity of its LeafNode or ParentNode object
 * (docs/mls-notes.md). These tests hold the hashes to RFC 9420 §7.8 computed from scratch, and
 * the encoded tree to ts-mls's own uncached encoders of each node: at every
 * epoch of a group that goes through updates, removals (blank leaves and paths), additions
 * (unmerged_leaves) and a newcomer's join, every member's GroupContext tree hash must equal the
 * uncached hash of its own ratchet tree, on both crypto providers. They also check that the patch
 * is applied (a fresh `npm ci` runs patch-package), so a missing patch cannot pass unnoticed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  acceptAll,
  createCommit,
  createGroup,
  defaultCapabilities,
  defaultLifetime,
  emptyPskIndex,
  generateKeyPackage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  processMessage,
  type CiphersuiteImpl,
  type ClientState,
  type MLSMessage,
  type Proposal,
  type RatchetTree,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { contramapBufferEncoders, encode } from "ts-mls/codec/tlsEncoder.js";
import { optionalEncoder } from "ts-mls/codec/optional.js";
import { varLenTypeEncoder } from "ts-mls/codec/variableLength.js";
import type { Hash } from "ts-mls/crypto/hash.js";
import { leafNodeEncoder } from "ts-mls/leafNode.js";
import { nodeTypeEncoder } from "ts-mls/nodeType.js";
import { parentNodeEncoder } from "ts-mls/parentNode.js";
import { encodeRatchetTree, isRatchetTreeEncodingKept, stripBlankNodes, type Node } from "ts-mls/ratchetTree.js";
import { leafNodeHashInputEncoder, parentNodeHashInputEncoder, treeHash, treeHashRoot } from "ts-mls/treeHash.js";
import { isLeaf, left, nodeToLeafIndex, right, rootFromNodeWidth, toNodeIndex, type NodeIndex } from "ts-mls/treemath.js";
import { joinFromWelcome } from "../src/mls/join.js";
import { nodeCryptoProvider } from "../src/node.js";
import { utf8 } from "./mls-fixtures.js";

const SUITE = getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519");

/** RFC 9420 §7.8 TreeHash, recomputed for every node, with ts-mls's own encoders of the inputs. */
async function uncachedTreeHash(tree: RatchetTree, index: NodeIndex, h: Hash): Promise<Uint8Array> {
  if (isLeaf(index)) {
    const node = tree[index];
    if (node?.nodeType === "parent") throw new Error("parent node in a leaf position");
    return h.digest(encode(leafNodeHashInputEncoder)({ nodeType: "leaf", leafIndex: nodeToLeafIndex(index), leafNode: node?.leaf }));
  }
  const node = tree[index];
  if (node?.nodeType === "leaf") throw new Error("leaf node in a parent position");
  const leftHash = await uncachedTreeHash(tree, left(index), h);
  const rightHash = await uncachedTreeHash(tree, right(index), h);
  return h.digest(encode(parentNodeHashInputEncoder)({ nodeType: "parent", parentNode: node?.parent, leftHash, rightHash }));
}

/** RFC 9420 §12.4.3.3's ratchet_tree, every node encoded afresh by ts-mls's own field encoders. */
const uncachedNodeEncoder = (node: Node) =>
  node.nodeType === "parent"
    ? contramapBufferEncoders([nodeTypeEncoder, parentNodeEncoder], (n: typeof node) => [n.nodeType, n.parent] as const)(node)
    : contramapBufferEncoders([nodeTypeEncoder, leafNodeEncoder], (n: typeof node) => [n.nodeType, n.leaf] as const)(node);
const uncachedTreeEncoding = (tree: RatchetTree) => encode(varLenTypeEncoder(optionalEncoder(uncachedNodeEncoder)))(stripBlankNodes(tree));

function handshake(m: MLSMessage) {
  if (m.wireformat !== "mls_private_message" && m.wireformat !== "mls_public_message") throw new Error("not a handshake message");
  return m;
}

async function assertTreeHashesRight(states: ClientState[], cs: CiphersuiteImpl, step: string) {
  const first = states[0]!;
  for (const state of states) {
    assert.equal(state.groupContext.epoch, first.groupContext.epoch, step);
    const tree = state.ratchetTree;
    const expected = await uncachedTreeHash(tree, rootFromNodeWidth(tree.length), cs.hash);
    assert.deepEqual(state.groupContext.treeHash, expected, `${step}: GroupContext tree hash`);
    assert.deepEqual(await treeHashRoot(tree, cs.hash), expected, `${step}: treeHashRoot`);
    assert.deepEqual(encodeRatchetTree(tree), uncachedTreeEncoding(tree), `${step}: encoded ratchet tree`);
  }
}

async function churn(cs: CiphersuiteImpl) {
  const keyPackage = (name: string) =>
    generateKeyPackage({ credentialType: "basic", identity: utf8.encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
  const packages = await Promise.all(Array.from({ length: 10 }, (_, i) => keyPackage(`member${i}`)));
  const [creator, ...rest] = packages;
  let states: ClientState[] = [await createGroup(utf8.encode("tree-hash-cache"), creator!.publicPackage, creator!.privatePackage, [], cs)];

  // One member commits; everyone else processes the commit, as in a real group.
  async function commit(by: number, proposals: Proposal[], step: string) {
    const made = await createCommit({ state: states[by]!, cipherSuite: cs }, { extraProposals: proposals, ratchetTreeExtension: true, wireAsPublicMessage: true });
    const next: ClientState[] = [];
    for (const [i, s] of states.entries()) {
      if (i === by) next.push(made.newState);
      else next.push((await processMessage(handshake(made.commit), s, emptyPskIndex, acceptAll, cs)).newState);
    }
    states = next.filter((s) => s.groupActiveState.kind === "active");
    await assertTreeHashesRight(states, cs, step);
    return made;
  }

  // One add-everyone commit: blank parents everywhere off the creator's path.
  const added = await commit(0, rest.map((m) => ({ proposalType: "add", add: { keyPackage: m.publicPackage } })), "add everyone");
  for (const m of rest) states.push(await joinGroup(added.welcome!, m.publicPackage, m.privatePackage, emptyPskIndex, cs));
  await assertTreeHashesRight(states, cs, "joined");

  await commit(3, [], "update by leaf 3");
  await commit(7, [], "update by leaf 7");
  await commit(0, [], "update by leaf 0");
  // Removals blank leaves and their paths; the committer's path is filled again.
  await commit(1, [2, 5].map((removed) => ({ proposalType: "remove", remove: { removed } })), "remove leaves 2 and 5");
  // Additions land in the blank leaves and are listed in unmerged_leaves above them.
  const newcomers = [await keyPackage("newcomer1"), await keyPackage("newcomer2")];
  const joining = await commit(4, newcomers.map((m) => ({ proposalType: "add", add: { keyPackage: m.publicPackage } })), "add two newcomers");
  // ts-mls's own join refuses this (valid) tree; ours checks it the RFC's way (docs/mls-notes.md).
  const newcomer = await joinFromWelcome(joining.welcome!, newcomers[1]!.publicPackage, newcomers[1]!.privatePackage, cs, defaultClientConfig);
  await assertTreeHashesRight([...states, newcomer], cs, "newcomer joined");
  await commit(6, [], "update by a member above unmerged leaves");
}

test("tree hashes equal RFC 9420's uncached computation through updates, removals and additions (node provider)", async () => {
  await churn(await getCiphersuiteImpl(SUITE, nodeCryptoProvider));
});

test("tree hashes equal RFC 9420's uncached computation through updates, removals and additions (default provider)", async () => {
  await churn(await getCiphersuiteImpl(SUITE));
});

test("the tree hash patch is applied: subtree hashes are reused, root hashes are handed out as copies", async () => {
  const cs = await getCiphersuiteImpl(SUITE, nodeCryptoProvider);
  const kp = await generateKeyPackage({ credentialType: "basic", identity: utf8.encode("solo") }, defaultCapabilities(), defaultLifetime, [], cs);
  const other = await generateKeyPackage({ credentialType: "basic", identity: utf8.encode("other") }, defaultCapabilities(), defaultLifetime, [], cs);
  const state = await createGroup(utf8.encode("patched"), kp.publicPackage, kp.privatePackage, [], cs);
  const made = await createCommit({ state, cipherSuite: cs }, { extraProposals: [{ proposalType: "add", add: { keyPackage: other.publicPackage } }] });
  const tree = made.newState.ratchetTree;
  // Same subtree, a copy of the tree array: the cached hash object itself comes back.
  assert.equal(await treeHash(tree.slice(), toNodeIndex(0), cs.hash), await treeHash(tree, toNodeIndex(0), cs.hash));
  const root = await treeHashRoot(tree, cs.hash);
  root.fill(0);
  assert.deepEqual(await treeHashRoot(tree, cs.hash), made.newState.groupContext.treeHash);
});

test("the node encoding patch is applied: a node's bytes are kept with its object", async () => {
  const cs = await getCiphersuiteImpl(SUITE, nodeCryptoProvider);
  const kp = await generateKeyPackage({ credentialType: "basic", identity: utf8.encode("solo") }, defaultCapabilities(), defaultLifetime, [], cs);
  const state = await createGroup(utf8.encode("kept"), kp.publicPackage, kp.privatePackage, [], cs);
  const tree = state.ratchetTree;
  const before = encodeRatchetTree(tree);
  assert.deepEqual(before, uncachedTreeEncoding(tree));
  // Tree nodes are never changed in place; doing it here shows the kept bytes are what is written.
  const leaf = tree[0]!;
  if (leaf.nodeType !== "leaf") throw new Error("expected the creator's leaf");
  const signature = leaf.leaf.signature.slice();
  leaf.leaf.signature.fill(0);
  try {
    // A new array: the whole tree's kept encoding does not apply, only the node's.
    assert.equal(isRatchetTreeEncodingKept(tree.slice()), false);
    assert.deepEqual(encodeRatchetTree(tree.slice()), before);
    assert.notDeepEqual(uncachedTreeEncoding(tree), before);
  } finally {
    leaf.leaf.signature.set(signature);
  }
});

test("a whole tree's encoding is kept only while every entry holds the same node", async () => {
  const cs = await getCiphersuiteImpl(SUITE, nodeCryptoProvider);
  const keyPackage = (name: string) =>
    generateKeyPackage({ credentialType: "basic", identity: utf8.encode(name) }, defaultCapabilities(), defaultLifetime, [], cs);
  const [creator, ...rest] = await Promise.all(["creator", "a", "b", "c"].map(keyPackage));
  const state = await createGroup(utf8.encode("whole"), creator!.publicPackage, creator!.privatePackage, [], cs);
  const made = await createCommit({ state, cipherSuite: cs }, { extraProposals: rest.map((m) => ({ proposalType: "add", add: { keyPackage: m.publicPackage } })) });
  const tree = made.newState.ratchetTree.slice();
  assert.equal(isRatchetTreeEncodingKept(tree), false, "a new array has nothing kept");
  assert.deepEqual(encodeRatchetTree(tree), uncachedTreeEncoding(tree));
  assert.equal(isRatchetTreeEncodingKept(tree), true);
  // A copy of a node wrapper around the same content still matches: contents are what count.
  tree[0] = { ...tree[0]! };
  assert.equal(isRatchetTreeEncodingKept(tree), true);

  // ts-mls changes tree arrays in place while it builds a commit: each such change is seen.
  const changes: [string, (t: typeof tree) => void][] = [
    ["a leaf blanked", (t) => (t[2] = undefined)],
    ["a leaf replaced", (t) => (t[4] = t[0])],
    ["a parent replaced", (t) => (t[1] = { nodeType: "parent", parent: { hpkePublicKey: new Uint8Array(32).fill(9), parentHash: new Uint8Array(), unmergedLeaves: [] } })],
    ["the array extended", (t) => t.push(undefined, t[0])],
    ["the array shortened", (t) => (t.length = 5)],
  ];
  for (const [what, change] of changes) {
    change(tree);
    assert.equal(isRatchetTreeEncodingKept(tree), false, what);
    assert.deepEqual(encodeRatchetTree(tree), uncachedTreeEncoding(tree), what);
    assert.equal(isRatchetTreeEncodingKept(tree), true, `${what}: kept again`);
  }
});
