/**
 * Ratchet tree validation for joiners (RFC 9420 §12.4.3.1), with the unmerged_leaves rule as the
 * RFC states it. This replaces ts-mls 1.6.4's validateRatchetTree, whose rule is wrong: it asks
 * every non-blank node on an unmerged leaf's *whole* direct path (the parent itself and the
 * nodes above it included) to have an unmerged_leaves list *equal* to the parent's. A valid
 * tree breaks that as soon as, say, the root lists leaves {2, 5} while the node under it lists
 * only {2}, which is what happens when members are added into blanks left by removals (see
 * docs/mls-notes.md). Everything else is the same checks ts-mls makes,
 * built from its own exported pieces.
 */
import type { AuthenticationService, GroupContext, LeafNode, LifetimeConfig, RatchetTree } from "ts-mls";
import type { CiphersuiteImpl, Capabilities } from "ts-mls";
import { validateLeafNodeUpdateOrCommit } from "ts-mls/clientState.js";
import { extensionsSupportedByCapabilities } from "ts-mls/extension.js";
import { verifyLeafNodeSignatureKeyPackage } from "ts-mls/leafNode.js";
import { CodecError, CryptoVerificationError, ValidationError, type MlsError } from "ts-mls/mlsError.js";
import { verifyParentHashes } from "ts-mls/parentHash.js";
import { decodeRequiredCapabilities, type RequiredCapabilities } from "ts-mls/requiredCapabilities.js";
import { treeHashRoot } from "ts-mls/treeHash.js";
import { directPath, isLeaf, leafToNodeIndex, leafWidth, nodeToLeafIndex, toLeafIndex, toNodeIndex } from "ts-mls/treemath.js";
import { constantTimeEqual } from "ts-mls/util/constantTimeCompare.js";
import { toBase64 } from "./codec.js";

/**
 * The RFC's unmerged_leaves checks: for each non-blank parent P and each leaf L in its
 * unmerged_leaves, L is a non-blank leaf under P, and every non-blank node strictly between
 * L and P lists L as well. Returns the first violation, or undefined.
 */
export function checkUnmergedLeaves(tree: RatchetTree): ValidationError | undefined {
  const width = leafWidth(tree.length);
  for (const [i, n] of tree.entries()) {
    if (n?.nodeType !== "parent") continue;
    for (const unmerged of n.parent.unmergedLeaves) {
      const leafNodeIndex = leafToNodeIndex(toLeafIndex(unmerged));
      const dp = directPath(leafNodeIndex, width);
      const position = dp.indexOf(toNodeIndex(i));
      if (tree[leafNodeIndex]?.nodeType !== "leaf" || position < 0) {
        return new ValidationError("Unmerged leaf did not represent a non-blank descendant leaf node");
      }
      for (const between of dp.slice(0, position)) {
        const node = tree[between];
        if (node === undefined) continue;
        if (node.nodeType !== "parent" || !node.parent.unmergedLeaves.includes(unmerged)) {
          return new ValidationError("non-blank intermediate node must list leaf node in its unmerged_leaves");
        }
      }
    }
  }
  return undefined;
}

/** ts-mls's validateRatchetTree with checkUnmergedLeaves in place of its unmerged_leaves loop. */
export async function validateRatchetTree(
  tree: RatchetTree,
  groupContext: GroupContext,
  config: LifetimeConfig,
  authService: AuthenticationService,
  treeHash: Uint8Array,
  cs: CiphersuiteImpl,
): Promise<MlsError | undefined> {
  const hpkeKeys = new Set<string>();
  const signatureKeys = new Set<string>();
  const credentialTypes = new Set<string>();
  for (const [i, n] of tree.entries()) {
    if (n === undefined) continue;
    const nodeIndex = toNodeIndex(i);
    if ((n.nodeType === "leaf") !== isLeaf(nodeIndex)) {
      return new ValidationError("Received Ratchet Tree is not structurally sound");
    }
    const hpkeKey = toBase64(n.nodeType === "leaf" ? n.leaf.hpkePublicKey : n.parent.hpkePublicKey);
    if (hpkeKeys.has(hpkeKey)) return new ValidationError("hpke keys not unique");
    hpkeKeys.add(hpkeKey);
    if (n.nodeType === "leaf") {
      const signatureKey = toBase64(n.leaf.signaturePublicKey);
      if (signatureKeys.has(signatureKey)) return new ValidationError("signature keys not unique");
      signatureKeys.add(signatureKey);
      credentialTypes.add(n.leaf.credential.credentialType);
      const err =
        n.leaf.leafNodeSource === "key_package"
          ? await validateKeyPackageLeaf(n.leaf, groupContext, config, authService, cs)
          : await validateLeafNodeUpdateOrCommit(n.leaf, nodeToLeafIndex(nodeIndex), groupContext, authService, cs.signature);
      if (err !== undefined) return err;
    }
  }
  const unmergedError = checkUnmergedLeaves(tree);
  if (unmergedError !== undefined) return unmergedError;
  for (const n of tree) {
    if (n?.nodeType !== "leaf") continue;
    for (const credentialType of credentialTypes) {
      if (!(n.leaf.capabilities.credentials as string[]).includes(credentialType)) {
        return new ValidationError("LeafNode has credential that is not supported by member of the group");
      }
    }
  }
  if (!(await verifyParentHashes(tree, cs.hash))) return new CryptoVerificationError("Unable to verify parent hash");
  if (!constantTimeEqual(treeHash, await treeHashRoot(tree, cs.hash))) return new ValidationError("Unable to verify tree hash");
  return undefined;
}

/** A leaf that came from a key package (source key_package), checked as a receiver does. */
async function validateKeyPackageLeaf(
  leaf: LeafNode,
  groupContext: GroupContext,
  config: LifetimeConfig,
  authService: AuthenticationService,
  cs: CiphersuiteImpl,
): Promise<MlsError | undefined> {
  if (leaf.leafNodeSource !== "key_package") return new ValidationError("Expected a key_package leaf node");
  if (!(await verifyLeafNodeSignatureKeyPackage(leaf, cs.signature))) {
    return new CryptoVerificationError("Could not verify leaf node signature");
  }
  if (config.validateLifetimeOnReceive) {
    const now = BigInt(Math.floor(Date.now() / 1000));
    if (leaf.lifetime.notBefore > now || leaf.lifetime.notAfter < now) return new ValidationError("Current time not within Lifetime");
  }
  return validateLeafNodeCommon(leaf, groupContext, authService);
}

async function validateLeafNodeCommon(
  leaf: LeafNode,
  groupContext: GroupContext,
  authService: AuthenticationService,
): Promise<MlsError | undefined> {
  if (!(await authService.validateCredential(leaf.credential, leaf.signaturePublicKey))) {
    return new ValidationError("Could not validate credential");
  }
  const required = groupContext.extensions.find((e) => e.extensionType === "required_capabilities");
  if (required !== undefined) {
    const caps = decodeRequiredCapabilities(required.extensionData, 0);
    if (caps === undefined) return new CodecError("Could not decode required_capabilities");
    if (!capabilitiesSupported(caps[0], leaf.capabilities)) {
      return new ValidationError("LeafNode does not support required capabilities");
    }
  }
  if (!extensionsSupportedByCapabilities(leaf.extensions, leaf.capabilities)) {
    return new ValidationError("LeafNode contains extension not listed in capabilities");
  }
  return undefined;
}

function capabilitiesSupported(required: RequiredCapabilities, caps: Capabilities): boolean {
  return (
    required.credentialTypes.every((c) => caps.credentials.includes(c)) &&
    required.extensionTypes.every((e) => caps.extensions.includes(e)) &&
    required.proposalTypes.every((p) => caps.proposals.includes(p))
  );
}
