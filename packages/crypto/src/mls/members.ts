/** Group members as the rest of Parley sees them: one per non-blank leaf of the ratchet tree. */
import type { RatchetTree } from "ts-mls";
import { leafToNodeIndex, leafWidth, toLeafIndex } from "ts-mls/treemath.js";

export interface MlsMember {
  leafIndex: number;
  credentialIdentity: Uint8Array;
  signaturePublicKey: Uint8Array;
}

/** The member at a leaf, or undefined for a blank leaf or an index outside the tree. */
export function memberAt(tree: RatchetTree, leafIndex: number): MlsMember | undefined {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafWidth(tree.length)) return undefined;
  const node = tree[leafToNodeIndex(toLeafIndex(leafIndex))];
  if (node?.nodeType !== "leaf") return undefined;
  const credential = node.leaf.credential;
  return {
    leafIndex,
    credentialIdentity: credential.credentialType === "basic" ? credential.identity.slice() : new Uint8Array(),
    signaturePublicKey: node.leaf.signaturePublicKey.slice(),
  };
}

export function membersOf(tree: RatchetTree): MlsMember[] {
  const members: MlsMember[] = [];
  for (let leaf = 0; leaf < leafWidth(tree.length); leaf++) {
    const member = memberAt(tree, leaf);
    if (member !== undefined) members.push(member);
  }
  return members;
}

function sameMember(a: MlsMember, b: MlsMember): boolean {
  return equal(a.signaturePublicKey, b.signaturePublicKey) && equal(a.credentialIdentity, b.credentialIdentity);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Who joined and who left between two trees. A leaf whose credential or signature key changed
 * (an update that swapped identity) counts as one removal and one addition.
 */
export function diffMembers(before: RatchetTree, after: RatchetTree): { added: MlsMember[]; removed: MlsMember[] } {
  const width = Math.max(leafWidth(before.length), leafWidth(after.length));
  const added: MlsMember[] = [];
  const removed: MlsMember[] = [];
  for (let leaf = 0; leaf < width; leaf++) {
    // Trees of consecutive epochs share the node objects of leaves that did not change (ts-mls
    // copies the array, not the nodes); one object read twice is one member, so skip the compare.
    const node = leafToNodeIndex(toLeafIndex(leaf));
    if (node < before.length && before[node] === after[node]) continue;
    const was = memberAt(before, leaf);
    const is = memberAt(after, leaf);
    if (was !== undefined && (is === undefined || !sameMember(was, is))) removed.push(was);
    if (is !== undefined && (was === undefined || !sameMember(was, is))) added.push(is);
  }
  return { added, removed };
}
