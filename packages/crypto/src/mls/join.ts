/**
 * Joining a group: from a Welcome (RFC 9420 §12.4.3.1) and by external commit (§12.4.3.2).
 *
 * These are ts-mls 1.6.4's joinGroupWithExtensions and joinGroupExternal, step for step, built
 * from its exported pieces, with one change that is the reason they exist: the ratchet tree is
 * checked by our validateRatchetTree (treeValidation.ts), because ts-mls's rejects valid trees
 * after removals ("non-blank intermediate node must list leaf node in its unmerged_leaves"; see
 * docs/mls-notes.md). ts-mls offers no way to swap its validator, and the tree cannot be
 * rewritten to please it (its tree hash and parent hashes bind the unmerged_leaves lists), so
 * the join itself has to be ours. Two further differences, both stricter:
 *  - Welcomes that need pre-shared keys are refused (Parley never uses PSKs or resumption);
 *  - the tree must travel in the GroupInfo (ratchet_tree extension): we never fetch it elsewhere;
 *  - the path secret a Welcome carries must derive the public keys the tree holds (RFC 9420
 *    §12.4.3.1), which ts-mls 1.6.4 does not check.
 * When ts-mls ships a fixed validator (the removal-then-join test will say so), delete this
 * file and call joinGroup / joinGroupExternal again.
 */
import type { ClientConfig, ClientState, CiphersuiteImpl, GroupInfo, KeyPackage, PrivateKeyPackage, PublicMessage, Welcome } from "ts-mls";
import type { PrivateKeyPath } from "ts-mls";
import { zeroOutUint8Array } from "ts-mls";
import type { AuthenticatedContentCommit } from "ts-mls/authenticatedContent.js";
import { exportSecret, nextEpochContext } from "ts-mls/clientState.js";
import { deriveSecret } from "ts-mls/crypto/kdf.js";
import { extensionsSupportedByCapabilities } from "ts-mls/extension.js";
import { createConfirmationTag, createContentCommitSignature } from "ts-mls/framedContent.js";
import { ratchetTreeFromExtension, verifyGroupInfoConfirmationTag, verifyGroupInfoSignature } from "ts-mls/groupInfo.js";
import { deriveKeySchedule, initializeEpoch } from "ts-mls/keySchedule.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { protectPublicMessage } from "ts-mls/messageProtectionPublic.js";
import { CodecError, CryptoVerificationError, UsageError, ValidationError } from "ts-mls/mlsError.js";
import { getCommitSecret, pathToPathSecrets, pathToRoot, type PathSecrets } from "ts-mls/pathSecrets.js";
import { toPrivateKeyPath, updateLeafKey } from "ts-mls/privateKeyPath.js";
import type { Commit, Proposal } from "ts-mls";
import {
  addLeafNode,
  findLeafIndex,
  getCredentialFromLeafIndex,
  getSignaturePublicKeyFromLeafIndex,
  removeLeafNode,
  type RatchetTree,
} from "ts-mls/ratchetTree.js";
import { createSecretTree } from "ts-mls/secretTree.js";
import { treeHashRoot } from "ts-mls/treeHash.js";
import { leafToNodeIndex, leafWidth, nodeToLeafIndex, toLeafIndex, toNodeIndex, type LeafIndex } from "ts-mls/treemath.js";
import { createUpdatePath, firstCommonAncestor } from "ts-mls/updatePath.js";
import { constantTimeEqual } from "ts-mls/util/constantTimeCompare.js";
import { decryptGroupInfo, decryptGroupSecrets } from "ts-mls/welcome.js";
import { validateRatchetTree } from "./treeValidation.js";

function fail(err: Error | undefined): void {
  if (err !== undefined) throw err;
}

/** The ratchet tree a GroupInfo carries (ratchet_tree extension), validated the RFC's way. */
async function validatedTree(gi: GroupInfo, clientConfig: ClientConfig, cs: CiphersuiteImpl): Promise<RatchetTree> {
  const tree = ratchetTreeFromExtension(gi);
  if (tree === undefined) throw new ValidationError("The GroupInfo carries no ratchet_tree extension");
  fail(
    await validateRatchetTree(
      tree,
      gi.groupContext,
      clientConfig.lifetimeConfig,
      clientConfig.authService,
      gi.groupContext.treeHash,
      cs,
    ),
  );
  return tree;
}

/** Checks the GroupInfo's signer: a non-blank leaf whose credential is valid and whose key signed the GroupInfo. */
async function verifyGroupInfoSigner(gi: GroupInfo, tree: RatchetTree, clientConfig: ClientConfig, cs: CiphersuiteImpl): Promise<void> {
  const signer = toLeafIndex(gi.signer);
  const signaturePublicKey = getSignaturePublicKeyFromLeafIndex(tree, signer);
  const credential = getCredentialFromLeafIndex(tree, signer);
  if (!(await clientConfig.authService.validateCredential(credential, signaturePublicKey))) {
    throw new ValidationError("Could not validate credential");
  }
  if (!(await verifyGroupInfoSignature(gi, signaturePublicKey, cs.signature))) {
    throw new CryptoVerificationError("Could not verify groupInfo signature");
  }
}

/**
 * Derives the private keys of the nodes `pathSecrets` names, checking that each derived public
 * key is the one the tree holds at that node.
 */
async function privateKeysFromPathSecrets(
  tree: RatchetTree,
  pathSecrets: PathSecrets,
  leafIndex: number,
  cs: CiphersuiteImpl,
): Promise<PrivateKeyPath> {
  const privateKeys: Record<number, Uint8Array> = {};
  for (const [index, pathSecret] of Object.entries(pathSecrets)) {
    const nodeIndex = Number(index);
    const nodeSecret = await deriveSecret(pathSecret, "node", cs.kdf);
    const { privateKey, publicKey } = await cs.hpke.deriveKeyPair(nodeSecret);
    zeroOutUint8Array(nodeSecret);
    const node = tree[nodeIndex];
    if (node?.nodeType !== "parent" || !constantTimeEqual(node.parent.hpkePublicKey, await cs.hpke.exportPublicKey(publicKey))) {
      throw new ValidationError("The Welcome's path secret does not match the ratchet tree");
    }
    privateKeys[nodeIndex] = await cs.hpke.exportPrivateKey(privateKey);
  }
  return { leafIndex, privateKeys };
}

/** Joins from a Welcome addressed to `keyPackage`; throws ts-mls errors (mapped by the caller). */
export async function joinFromWelcome(
  welcome: Welcome,
  keyPackage: KeyPackage,
  privateKeys: PrivateKeyPackage,
  cs: CiphersuiteImpl,
  clientConfig: ClientConfig,
): Promise<ClientState> {
  if (welcome.cipherSuite !== keyPackage.cipherSuite) throw new ValidationError("The Welcome's ciphersuite is not the key package's");
  const keyPackageRef = await makeKeyPackageRef(keyPackage, cs.hash);
  const initKey = await cs.hpke.importPrivateKey(privateKeys.initPrivateKey);
  const groupSecrets = await decryptGroupSecrets(initKey, keyPackageRef, welcome, cs.hpke);
  if (groupSecrets === undefined) throw new CodecError("Could not decode group secrets");
  if (groupSecrets.psks.length > 0) throw new ValidationError("Welcomes that need pre-shared keys are not supported");
  const pskSecret = new Uint8Array(cs.kdf.size);
  const gi = await decryptGroupInfo(welcome, groupSecrets.joinerSecret, pskSecret, cs);
  if (gi === undefined) throw new CodecError("Could not decode group info");
  if (!extensionsSupportedByCapabilities(gi.groupContext.extensions, keyPackage.leafNode.capabilities)) {
    throw new ValidationError("client does not support every extension in the GroupContext");
  }
  if (gi.groupContext.cipherSuite !== keyPackage.cipherSuite) {
    throw new ValidationError("cipher suite in the GroupInfo does not match the cipher_suite in the KeyPackage");
  }
  const tree = await validatedTree(gi, clientConfig, cs);
  await verifyGroupInfoSigner(gi, tree, clientConfig, cs);

  const newLeaf = findLeafIndex(tree, keyPackage.leafNode);
  if (newLeaf === undefined) throw new ValidationError("Could not find own leaf when processing welcome");
  const ownLeafKey: PrivateKeyPath = {
    leafIndex: newLeaf,
    privateKeys: { [leafToNodeIndex(newLeaf)]: privateKeys.hpkePrivateKey },
  };
  let privatePath = ownLeafKey;
  if (groupSecrets.pathSecret !== undefined) {
    const ancestor = firstCommonAncestor(tree, newLeaf, toLeafIndex(gi.signer));
    const pathSecrets = await pathToRoot(tree, ancestor, groupSecrets.pathSecret, cs.kdf);
    const derived = await privateKeysFromPathSecrets(tree, pathSecrets, newLeaf, cs);
    for (const secret of Object.values(pathSecrets)) zeroOutUint8Array(secret);
    privatePath = { leafIndex: newLeaf, privateKeys: { ...derived.privateKeys, ...ownLeafKey.privateKeys } };
  }
  const [keySchedule, encryptionSecret] = await deriveKeySchedule(groupSecrets.joinerSecret, pskSecret, gi.groupContext, cs.kdf);
  if (!(await verifyGroupInfoConfirmationTag(gi, groupSecrets.joinerSecret, pskSecret, cs))) {
    throw new CryptoVerificationError("Could not verify confirmation tag");
  }
  const secretTree = await createSecretTree(leafWidth(tree.length), encryptionSecret, cs.kdf);
  zeroOutUint8Array(encryptionSecret);
  zeroOutUint8Array(groupSecrets.joinerSecret);
  return {
    groupContext: gi.groupContext,
    ratchetTree: tree,
    privatePath,
    signaturePrivateKey: privateKeys.signaturePrivateKey,
    confirmationTag: gi.confirmationTag,
    unappliedProposals: {},
    keySchedule,
    secretTree,
    historicalReceiverData: new Map(),
    groupActiveState: { kind: "active" },
    clientConfig,
  };
}

/**
 * What members require of an external commit beyond ts-mls's checks (RFC 9420 §12.4.3.2):
 * proposals by value only, a path, and a Remove only of a leaf with the joiner's own identity
 * (a resync), never of someone else. Returns the reason to refuse, or undefined.
 */
export function checkExternalCommit(commit: Commit, tree: RatchetTree): string | undefined {
  if (commit.path === undefined) return "an external commit must carry a path";
  const joiner = commit.path.leafNode.credential;
  for (const p of commit.proposals) {
    if (p.proposalOrRefType !== "proposal") return "an external commit must carry its proposals by value";
    if (p.proposal.proposalType !== "remove") continue;
    const removed = tree[leafToNodeIndex(toLeafIndex(p.proposal.remove.removed))];
    const same =
      removed?.nodeType === "leaf" &&
      removed.leaf.credential.credentialType === "basic" &&
      joiner.credentialType === "basic" &&
      constantTimeEqual(removed.leaf.credential.identity, joiner.identity);
    if (!same) return "an external commit may only remove the joiner's own former leaf";
  }
  return undefined;
}

/**
 * Builds an external commit (a PublicMessage, as RFC 9420 requires) that adds `keyPackage`'s
 * leaf to the group `groupInfo` describes, and the state at the new epoch. When the tree still
 * holds a leaf with our signature key (a device that lost its state and rejoins), the commit
 * also removes that leaf (the "resync" of RFC 9420 §12.4.3.2), as ts-mls's `resync` does.
 */
export async function joinByExternalCommit(
  groupInfo: GroupInfo,
  keyPackage: KeyPackage,
  privateKeys: PrivateKeyPackage,
  cs: CiphersuiteImpl,
  clientConfig: ClientConfig,
): Promise<{ publicMessage: PublicMessage; newState: ClientState }> {
  const externalPub = groupInfo.extensions.find((ex) => ex.extensionType === "external_pub");
  if (externalPub === undefined) throw new UsageError("Could not find external_pub extension");
  if (!extensionsSupportedByCapabilities(groupInfo.groupContext.extensions, keyPackage.leafNode.capabilities)) {
    throw new ValidationError("client does not support every extension in the GroupContext");
  }
  if (groupInfo.groupContext.cipherSuite !== keyPackage.cipherSuite) {
    throw new ValidationError("cipher suite in the GroupInfo does not match the cipher_suite in the KeyPackage");
  }
  const ratchetTree = await validatedTree(groupInfo, clientConfig, cs);
  await verifyGroupInfoSigner(groupInfo, ratchetTree, clientConfig, cs);
  const { enc, secret: initSecret } = await exportSecret(externalPub.extensionData, cs);

  const formerLeaf = ratchetTree.findIndex(
    (n) => n?.nodeType === "leaf" && constantTimeEqual(n.leaf.signaturePublicKey, keyPackage.leafNode.signaturePublicKey),
  );
  const resync = formerLeaf >= 0 ? nodeToLeafIndex(toNodeIndex(formerLeaf)) : undefined;
  const treeToJoin = resync === undefined ? ratchetTree : removeLeafNode(ratchetTree, resync);
  const [treeWithNewLeaf, newLeafNodeIndex] = addLeafNode(treeToJoin, keyPackage.leafNode);
  const newLeaf: LeafIndex = nodeToLeafIndex(newLeafNodeIndex);
  const [newTree, updatePath, pathSecrets, newPrivateKey] = await createUpdatePath(
    treeWithNewLeaf,
    newLeaf,
    groupInfo.groupContext,
    privateKeys.signaturePrivateKey,
    cs,
  );
  const privatePath = updateLeafKey(
    await toPrivateKeyPath(pathToPathSecrets(pathSecrets), newLeaf, cs),
    await cs.hpke.exportPrivateKey(newPrivateKey),
  );
  const lastPathSecret = pathSecrets.at(-1);
  const commitSecret =
    lastPathSecret === undefined
      ? new Uint8Array(cs.kdf.size)
      : await getCommitSecret(newTree, toNodeIndex(lastPathSecret.nodeIndex), lastPathSecret.secret, cs.kdf);
  const externalInit: Proposal = { proposalType: "external_init", externalInit: { kemOutput: enc } };
  const proposals: Proposal[] =
    resync === undefined ? [externalInit] : [{ proposalType: "remove", remove: { removed: resync } }, externalInit];
  const pskSecret = new Uint8Array(cs.kdf.size);
  const { signature, framedContent } = await createContentCommitSignature(
    groupInfo.groupContext,
    "mls_public_message",
    { proposals: proposals.map((proposal) => ({ proposalOrRefType: "proposal", proposal })), path: updatePath },
    { senderType: "new_member_commit" },
    new Uint8Array(),
    privateKeys.signaturePrivateKey,
    cs.signature,
  );
  const treeHash = await treeHashRoot(newTree, cs.hash);
  const groupContext = await nextEpochContext(
    groupInfo.groupContext,
    "mls_public_message",
    framedContent,
    signature,
    treeHash,
    groupInfo.confirmationTag,
    cs.hash,
  );
  const epochSecrets = await initializeEpoch(initSecret, commitSecret, groupContext, pskSecret, cs.kdf);
  const confirmationTag = await createConfirmationTag(
    epochSecrets.keySchedule.confirmationKey,
    groupContext.confirmedTranscriptHash,
    cs.hash,
  );
  const newState: ClientState = {
    ratchetTree: newTree,
    groupContext,
    secretTree: await createSecretTree(leafWidth(newTree.length), epochSecrets.encryptionSecret, cs.kdf),
    privatePath,
    confirmationTag,
    historicalReceiverData: new Map(),
    signaturePrivateKey: privateKeys.signaturePrivateKey,
    keySchedule: epochSecrets.keySchedule,
    unappliedProposals: {},
    groupActiveState: { kind: "active" },
    clientConfig,
  };
  const content: AuthenticatedContentCommit = {
    content: framedContent,
    auth: { signature, confirmationTag, contentType: "commit" },
    wireformat: "mls_public_message",
  };
  const publicMessage = await protectPublicMessage(epochSecrets.keySchedule.membershipKey, groupContext, content, cs);
  zeroOutUint8Array(commitSecret);
  zeroOutUint8Array(initSecret);
  zeroOutUint8Array(epochSecrets.encryptionSecret);
  zeroOutUint8Array(epochSecrets.joinerSecret);
  for (const ps of pathSecrets) zeroOutUint8Array(ps.secret);
  return { publicMessage, newState };
}
