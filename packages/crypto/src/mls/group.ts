/**
 * MlsGroup: one Parley conversation as seen by one device. It holds the ts-mls ClientState and
 * is the only place that advances it.
 *
 * Wire formats. Application messages are PrivateMessages, padded to PADDING_BUCKET_BYTES.
 * Commits are PublicMessages, by choice:
 *  - external commits must be PublicMessages (RFC 9420 §12.4.3.2), so the server and every
 *    client handle a single handshake format, and a device that just joined from a GroupInfo
 *    reads the log the same way as one that has been there all along;
 *  - the server orders handshake messages and refuses stale ones: it reads group id, epoch and
 *    content type from the clear header (it could from a PrivateMessage too, but a PublicMessage
 *    also names the committing leaf, which the server knows anyway from who sent it);
 *  - nothing leaks that the server does not already know: it hands out the key packages that
 *    Add proposals carry and routes the Welcomes; the UpdatePath holds only public keys and HPKE
 *    ciphertexts. Commits are still authenticated to members by signature and membership tag;
 *  - a PrivateMessage commit consumes a handshake key from the sender's secret tree, and ts-mls
 *    does not hand back the advanced tree: if the server refused the commit and we committed
 *    again in the same epoch we would reuse that key and nonce (only the reuse guard would keep
 *    them apart). A PublicMessage commit touches no secret tree, so a refused commit leaves no
 *    trace at all.
 *
 * Every operation that changes state runs one at a time (a queue per group), and a failed
 * operation leaves the state as it was: ts-mls returns new states instead of mutating.
 */
import {
  acceptAll,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  emptyPskIndex,
  mlsExporter,
  processMessage,
  zeroOutUint8Array,
  type CiphersuiteImpl,
  type ClientState,
  type CreateCommitResult,
  type Credential,
  type FramedContent,
  type GroupState,
  type IncomingMessageCallback,
  type MLSMessage,
  type PrivateMessage,
  type Proposal,
} from "ts-mls";
import { checkCanSendApplicationMessages } from "ts-mls/clientState.js";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { decryptSenderData } from "ts-mls/privateMessage.js";
import { openApplicationMessage, sealApplicationMessage, wipe, type ReceiverEpoch } from "./applicationMessage.js";
import { assertBytes, decodeAs, decodeMessage, encodeMessage, toBase64 } from "./codec.js";
import { MlsError, MlsErrorCode, toMlsError, type ValidatorAudit } from "./errors.js";
import { checkExternalCommit, joinByExternalCommit, joinFromWelcome } from "./join.js";
import { assertSigner, decodeKeyPackage, decodePrivateState, makeKeyPackage, type MlsSigner } from "./keyPackage.js";
import { diffMembers, memberAt, membersOf, type MlsMember } from "./members.js";
import { applicationPadding } from "./padding.js";
import { decodeStoredGroup, encodeStoredGroup } from "./stateCodec.js";
import { CIPHERSUITE, PADDING_BUCKET_BYTES, cipherSuite, clientConfigFor, type CredentialValidator } from "./suite.js";

/** A commit this device made, waiting for the server's answer. */
export interface PendingCommit {
  /** MLSMessage (PublicMessage) to post to the conversation. */
  readonly commit: Uint8Array;
  /** MLSMessage Welcome for the added devices, when the commit adds any. */
  readonly welcome?: Uint8Array;
  /** MLSMessage GroupInfo of the new epoch, with external_pub and the ratchet tree: what the server keeps for later joiners. */
  readonly groupInfo: Uint8Array;
  /** The epoch after the commit. */
  readonly epoch: number;
  readonly added: MlsMember[];
  readonly removed: MlsMember[];
}

export type Processed =
  | { kind: "application"; plaintext: Uint8Array; sender: MlsMember; epoch: number }
  | {
      kind: "commit";
      /** The epoch after the commit. */
      epoch: number;
      /** The committer; for an external commit, the device that joined. */
      sender: MlsMember | null;
      external: boolean;
      /** Members now in the group that were not; for an external commit, the device that joined. */
      added: MlsMember[];
      removed: MlsMember[];
    }
  | { kind: "proposal"; epoch: number };

/** Commits made but not yet answered that we keep (and serialize); older ones are forgotten. */
const MAX_PENDING_COMMITS = 4;
/** The largest group id we accept, in bytes. */
const MAX_GROUP_ID_BYTES = 256;
/** Proposal types Parley uses; commits or proposals carrying others (PSK, ReInit, GroupContextExtensions, custom) are refused. */
const ALLOWED_PROPOSALS = new Set<unknown>(["add", "remove", "update", "external_init"]);

interface PendingRecord {
  pending: PendingCommit | undefined;
  commit: Uint8Array;
  newState: ClientState;
  consumed: Uint8Array[];
}

function epochNumber(epoch: bigint): number {
  return Number(epoch);
}

function freezePending(p: PendingCommit): PendingCommit {
  return Object.freeze({ ...p, added: Object.freeze([...p.added]) as MlsMember[], removed: Object.freeze([...p.removed]) as MlsMember[] });
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function checkOwnCredential(signer: MlsSigner, validate: CredentialValidator): Promise<void> {
  let ok: boolean;
  try {
    ok = (await validate(signer.credentialIdentity.slice(), signer.signaturePublicKey.slice())) === true;
  } catch (e) {
    throw new MlsError(MlsErrorCode.ValidatorFailed, "signer: the credential validator threw", { cause: e });
  }
  if (!ok) throw new MlsError(MlsErrorCode.CredentialRejected, "signer: the validator rejects this device's own credential");
}

function assertValidator(validate: CredentialValidator): void {
  if (typeof validate !== "function") throw new TypeError("validate must be a function");
}

export class MlsGroup {
  readonly groupId: Uint8Array;
  private state: ClientState;
  private pendings: PendingRecord[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    state: ClientState,
    private readonly cs: CiphersuiteImpl,
    private readonly audit: ValidatorAudit,
  ) {
    this.state = state;
    this.groupId = state.groupContext.groupId.slice();
  }

  /** Starts a new group with this device as its only member (epoch 0). */
  static async create(groupId: Uint8Array, signer: MlsSigner, validate: CredentialValidator): Promise<MlsGroup> {
    assertBytes(groupId, "groupId");
    if (groupId.length === 0 || groupId.length > MAX_GROUP_ID_BYTES) {
      throw new RangeError(`groupId must be 1 to ${MAX_GROUP_ID_BYTES} bytes`);
    }
    assertSigner(signer);
    assertValidator(validate);
    await checkOwnCredential(signer, validate);
    const cs = await cipherSuite();
    const audit: ValidatorAudit = { rejections: 0, failure: undefined };
    const { publicPackage, privatePackage } = await makeKeyPackage(signer, false);
    zeroOutUint8Array(privatePackage.initPrivateKey);
    try {
      const state = await createGroup(groupId.slice(), publicPackage, privatePackage, [], cs, clientConfigFor(validate, audit));
      return new MlsGroup(state, cs, audit);
    } catch (e) {
      throw toMlsError(e, "create", { before: 0, now: audit });
    }
  }

  /**
   * Joins from a Welcome. `findKeyPackage` is asked for each key package ref the Welcome names
   * (base64) and returns this device's stored key package and private state for it, if any.
   * The caller deletes the used key package afterwards (unless it is the last-resort one).
   */
  static async joinFromWelcome(
    welcome: Uint8Array,
    findKeyPackage: (ref: string) => Promise<{ keyPackage: Uint8Array; privateState: Uint8Array } | undefined>,
    signer: MlsSigner,
    validate: CredentialValidator,
  ): Promise<{ group: MlsGroup; usedRef: string }> {
    assertBytes(welcome, "welcome");
    if (typeof findKeyPackage !== "function") throw new TypeError("findKeyPackage must be a function");
    assertSigner(signer);
    assertValidator(validate);
    const decoded = decodeAs(welcome, "mls_welcome", "welcome").welcome;
    if (decoded.cipherSuite !== CIPHERSUITE) throw new MlsError(MlsErrorCode.Malformed, `welcome: ciphersuite ${decoded.cipherSuite} is not ${CIPHERSUITE}`);
    let found: { ref: string; keyPackage: Uint8Array; privateState: Uint8Array } | undefined;
    for (const secret of decoded.secrets) {
      const ref = toBase64(secret.newMember);
      const entry = await findKeyPackage(ref);
      if (entry !== undefined) {
        found = { ref, ...entry };
        break;
      }
    }
    if (found === undefined) throw new MlsError(MlsErrorCode.WelcomeNotForUs, "welcome: none of its recipients is one of our key packages");
    const cs = await cipherSuite();
    let keyPackage;
    try {
      keyPackage = decodeKeyPackage(found.keyPackage, "stored keyPackage");
    } catch (e) {
      throw new MlsError(MlsErrorCode.StateCorrupt, "the stored key package does not decode", { cause: e });
    }
    if (toBase64(await makeKeyPackageRef(keyPackage, cs.hash)) !== found.ref) {
      throw new MlsError(MlsErrorCode.StateCorrupt, "the stored key package is not the one its ref names");
    }
    if (!equalBytes(keyPackage.leafNode.signaturePublicKey, signer.signaturePublicKey)) {
      throw new MlsError(MlsErrorCode.StateCorrupt, "the stored key package belongs to another signature key");
    }
    const privateKeys = decodePrivateState(found.privateState, signer);
    const audit: ValidatorAudit = { rejections: 0, failure: undefined };
    try {
      const state = await joinFromWelcome(decoded, keyPackage, privateKeys, cs, clientConfigFor(validate, audit));
      return { group: new MlsGroup(state, cs, audit), usedRef: found.ref };
    } catch (e) {
      throw toMlsError(e, "joinFromWelcome", { before: 0, now: audit });
    } finally {
      zeroOutUint8Array(privateKeys.initPrivateKey);
    }
  }

  /**
   * External commit (RFC 9420 §12.4.3.2) from a GroupInfo that carries external_pub and the
   * ratchet tree. The returned group is already at the new epoch; the caller keeps it only if
   * the server accepts `commit`. `groupInfo` is the new epoch's, for the server to keep.
   */
  static async joinExternal(
    groupInfo: Uint8Array,
    signer: MlsSigner,
    validate: CredentialValidator,
  ): Promise<{ group: MlsGroup; commit: Uint8Array; groupInfo: Uint8Array; epoch: number }> {
    assertBytes(groupInfo, "groupInfo");
    assertSigner(signer);
    assertValidator(validate);
    const gi = decodeAs(groupInfo, "mls_group_info", "groupInfo").groupInfo;
    if (gi.groupContext.cipherSuite !== CIPHERSUITE) {
      throw new MlsError(MlsErrorCode.Malformed, `groupInfo: ciphersuite ${gi.groupContext.cipherSuite} is not ${CIPHERSUITE}`);
    }
    const cs = await cipherSuite();
    const audit: ValidatorAudit = { rejections: 0, failure: undefined };
    const { publicPackage, privatePackage } = await makeKeyPackage(signer, false);
    zeroOutUint8Array(privatePackage.initPrivateKey);
    try {
      const { publicMessage, newState } = await joinByExternalCommit(gi, publicPackage, privatePackage, cs, clientConfigFor(validate, audit));
      const group = new MlsGroup(newState, cs, audit);
      return {
        group,
        commit: encodeMessage({ version: "mls10", wireformat: "mls_public_message", publicMessage }),
        groupInfo: await group.encodeGroupInfo(newState),
        epoch: group.epoch,
      };
    } catch (e) {
      throw toMlsError(e, "joinExternal", { before: 0, now: audit });
    }
  }

  /** Rebuilds a group from serialize() output. The signer must be the one the state was made with. */
  static async restore(state: Uint8Array, signer: MlsSigner, validate: CredentialValidator): Promise<MlsGroup> {
    assertBytes(state, "state");
    assertSigner(signer);
    assertValidator(validate);
    const stored = decodeStoredGroup(state);
    const cs = await cipherSuite();
    const audit: ValidatorAudit = { rejections: 0, failure: undefined };
    const config = clientConfigFor(validate, audit);
    const withConfig = (s: GroupState): ClientState => ({ ...s, clientConfig: config });
    const restored = withConfig(stored.state);
    if (restored.groupContext.cipherSuite !== CIPHERSUITE) throw new MlsError(MlsErrorCode.StateCorrupt, "state: wrong ciphersuite");
    if (!equalBytes(restored.signaturePrivateKey, signer.signaturePrivateKey)) {
      throw new MlsError(MlsErrorCode.StateCorrupt, "state: made with another signature key");
    }
    const own = memberAt(restored.ratchetTree, restored.privatePath.leafIndex);
    if (restored.groupActiveState.kind === "active" && (own === undefined || !equalBytes(own.signaturePublicKey, signer.signaturePublicKey))) {
      throw new MlsError(MlsErrorCode.StateCorrupt, "state: our leaf does not hold the signer's key");
    }
    const group = new MlsGroup(restored, cs, audit);
    group.pendings = stored.pendings.map((p) => ({ pending: undefined, commit: p.commit, newState: withConfig(p.state), consumed: [] }));
    return group;
  }

  get epoch(): number {
    return epochNumber(this.state.groupContext.epoch);
  }

  get ownLeafIndex(): number {
    return this.state.privatePath.leafIndex;
  }

  /** False once a commit removed this device: it can neither send nor receive any more. */
  get isActive(): boolean {
    return this.state.groupActiveState.kind === "active";
  }

  members(): MlsMember[] {
    return membersOf(this.state.ratchetTree);
  }

  /** Adds devices. Each key package's credential goes through `validate` first (MLS_CREDENTIAL_REJECTED). */
  async commitAdd(keyPackages: Uint8Array[]): Promise<PendingCommit> {
    if (!Array.isArray(keyPackages) || keyPackages.length === 0) throw new TypeError("keyPackages must be a non-empty array");
    const decoded = keyPackages.map((kp, i) => decodeKeyPackage(kp, `keyPackages[${i}]`));
    return this.run(async () => {
      this.assertActive();
      for (const [i, kp] of decoded.entries()) {
        const ok = await this.checkCredential(kp.leafNode.credential, kp.leafNode.signaturePublicKey, `keyPackages[${i}]`);
        if (!ok) throw new MlsError(MlsErrorCode.CredentialRejected, `keyPackages[${i}]: the validator rejects its credential`);
      }
      const proposals: Proposal[] = decoded.map((keyPackage) => ({ proposalType: "add", add: { keyPackage } }));
      return this.commit(proposals, "commitAdd");
    });
  }

  /** Removes the devices at these leaves. */
  async commitRemove(leafIndexes: number[]): Promise<PendingCommit> {
    if (!Array.isArray(leafIndexes) || leafIndexes.length === 0) throw new TypeError("leafIndexes must be a non-empty array");
    return this.run(async () => {
      this.assertActive();
      const seen = new Set<number>();
      for (const [i, leaf] of leafIndexes.entries()) {
        if (memberAt(this.state.ratchetTree, leaf) === undefined) throw new RangeError(`leafIndexes[${i}]: no member at leaf ${leaf}`);
        if (leaf === this.ownLeafIndex) throw new RangeError(`leafIndexes[${i}]: a device cannot remove itself`);
        if (seen.has(leaf)) throw new RangeError(`leafIndexes[${i}]: leaf ${leaf} is listed twice`);
        seen.add(leaf);
      }
      const proposals: Proposal[] = leafIndexes.map((removed) => ({ proposalType: "remove", remove: { removed } }));
      return this.commit(proposals, "commitRemove");
    });
  }

  /** An empty commit with a path: fresh keys on this device's path (post-compromise security). */
  async commitUpdate(): Promise<PendingCommit> {
    return this.run(async () => {
      this.assertActive();
      return this.commit([], "commitUpdate");
    });
  }

  /** Applies a commit this device created, after the server accepted it. Until then the group is unchanged. */
  async merge(pending: PendingCommit): Promise<void> {
    return this.run(async () => {
      const record = this.pendings.find((p) => p.pending === pending);
      if (record === undefined) {
        if (typeof pending?.epoch === "number" && pending.epoch !== this.epoch + 1) {
          throw new MlsError(MlsErrorCode.WrongEpoch, "merge: the pending commit was made for another epoch", {
            messageEpoch: pending.epoch - 1,
            groupEpoch: this.epoch,
          });
        }
        throw new MlsError(MlsErrorCode.Rejected, "merge: not a pending commit of this group");
      }
      this.apply(record);
    });
  }

  /** Encrypts an application message (a padded PrivateMessage). Advances the state: save serialize() before sending. */
  async encrypt(plaintext: Uint8Array): Promise<Uint8Array> {
    assertBytes(plaintext, "plaintext");
    return this.run(async () => {
      this.assertActive();
      if (Object.keys(this.state.unappliedProposals).length > 0) {
        throw new MlsError(MlsErrorCode.Rejected, "encrypt: proposals are waiting; commit them (commitUpdate) before sending");
      }
      let sealed;
      try {
        checkCanSendApplicationMessages(this.state);
        sealed = await sealApplicationMessage(this.state, plaintext, applicationPadding(plaintext.length, PADDING_BUCKET_BYTES), this.cs);
      } catch (e) {
        throw toMlsError(e, "encrypt");
      }
      this.state = { ...this.state, secretTree: sealed.secretTree };
      wipe(sealed.consumed);
      return encodeMessage({ version: "mls10", wireformat: "mls_private_message", privateMessage: sealed.privateMessage });
    });
  }

  /** Processes any MLSMessage from the conversation log: application message, proposal, commit (external ones too). */
  async process(message: Uint8Array): Promise<Processed> {
    assertBytes(message, "message");
    return this.run(() => this.processNow(message));
  }

  /** The whole state, for local persistence (it holds private keys: store it encrypted). */
  serialize(): Uint8Array {
    return encodeStoredGroup(
      this.state,
      this.pendings.map((p) => ({ commit: p.commit, state: p.newState })),
    );
  }

  /** The current epoch's GroupInfo (external_pub and ratchet tree), for the server to hand to later joiners. */
  async groupInfo(): Promise<Uint8Array> {
    return this.run(async () => {
      this.assertActive();
      return this.encodeGroupInfo(this.state);
    });
  }

  /** MLS-Exporter (RFC 9420 §8.5): a secret of `length` bytes bound to this epoch, a label and a context. */
  async exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    if (typeof label !== "string") throw new TypeError("label must be a string");
    assertBytes(context, "context");
    if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw new RangeError("length must be 1 to 8160");
    return this.run(() => mlsExporter(this.state.keySchedule.exporterSecret, label, context, length, this.cs));
  }

  /** The epoch authenticator (RFC 9420 §8.7): members at the same epoch share it; compare it out of band to detect a fork. */
  get epochAuthenticator(): Uint8Array {
    return this.state.keySchedule.epochAuthenticator.slice();
  }

  // ---- internals ----

  private run<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private assertActive(): void {
    if (!this.isActive) throw new MlsError(MlsErrorCode.Removed, "this device was removed from the group");
  }

  private async checkCredential(credential: Credential, signaturePublicKey: Uint8Array, what: string): Promise<boolean> {
    const before = this.audit.rejections;
    try {
      return await this.state.clientConfig.authService.validateCredential(credential, signaturePublicKey);
    } catch (e) {
      throw toMlsError(e, what, { before, now: this.audit });
    }
  }

  private async encodeGroupInfo(state: ClientState): Promise<Uint8Array> {
    const groupInfo = await createGroupInfoWithExternalPubAndRatchetTree(state, [], this.cs);
    return encodeMessage({ version: "mls10", wireformat: "mls_group_info", groupInfo });
  }

  private async commit(proposals: Proposal[], what: string): Promise<PendingCommit> {
    const before = this.audit.rejections;
    let result: CreateCommitResult;
    try {
      result = await createCommit(
        { state: this.state, cipherSuite: this.cs },
        // The ratchet tree goes only into a Welcome's GroupInfo, and a Welcome exists only when
        // someone is added: without adds, encoding and signing it would be thrown away.
        { extraProposals: proposals, wireAsPublicMessage: true, ratchetTreeExtension: this.commitAdds(proposals) },
      );
    } catch (e) {
      throw toMlsError(e, what, { before, now: this.audit });
    }
    const { added, removed } = diffMembers(this.state.ratchetTree, result.newState.ratchetTree);
    const commit = encodeMessage(result.commit);
    const pending = freezePending({
      commit,
      ...(result.welcome === undefined
        ? {}
        : { welcome: encodeMessage({ version: "mls10", wireformat: "mls_welcome", welcome: result.welcome }) }),
      groupInfo: await this.encodeGroupInfo(result.newState),
      epoch: epochNumber(result.newState.groupContext.epoch),
      added,
      removed,
    });
    this.pendings.push({ pending, commit, newState: result.newState, consumed: result.consumed });
    if (this.pendings.length > MAX_PENDING_COMMITS) this.pendings.shift();
    return pending;
  }

  /** Whether a commit of these proposals (and the pending ones it will include by reference) adds anyone. */
  private commitAdds(proposals: Proposal[]): boolean {
    return (
      proposals.some((p) => p.proposalType === "add") ||
      Object.values(this.state.unappliedProposals).some((p) => p.proposal.proposalType === "add")
    );
  }

  /** Moves to a commit's new state and forgets every other pending commit (they were for the old epoch). */
  private apply(record: PendingRecord): void {
    // The new state keeps this epoch's secret tree for late messages as it was when the commit
    // was made; messages sent and read since then moved it on. Keep the current one, so keys
    // used meanwhile are not found again there (and the lazily derived tree has its newest form).
    const epoch = this.state.groupContext.epoch;
    const late = record.newState.historicalReceiverData.get(epoch);
    this.state =
      late === undefined
        ? record.newState
        : {
            ...record.newState,
            historicalReceiverData: new Map(record.newState.historicalReceiverData).set(epoch, { ...late, secretTree: this.state.secretTree }),
          };
    record.consumed.forEach(zeroOutUint8Array);
    this.pendings = [];
  }

  private async processNow(bytes: Uint8Array): Promise<Processed> {
    this.assertActive();
    const message = decodeMessage(bytes, "message");
    if (message.wireformat !== "mls_private_message" && message.wireformat !== "mls_public_message") {
      throw new MlsError(MlsErrorCode.Malformed, `message: a ${message.wireformat} is not a group message`);
    }
    const { groupId, epoch, contentType } =
      message.wireformat === "mls_private_message"
        ? message.privateMessage
        : { ...message.publicMessage.content, contentType: message.publicMessage.content.contentType };
    if (!equalBytes(groupId, this.groupId)) throw new MlsError(MlsErrorCode.WrongGroup, "message: for another group");

    // Our own commit coming back from the server means the server accepted it.
    const ours = this.pendings.find((p) => equalBytes(p.commit, bytes));
    if (ours !== undefined) {
      const before = this.state;
      this.apply(ours);
      const { added, removed } = diffMembers(before.ratchetTree, this.state.ratchetTree);
      return { kind: "commit", epoch: this.epoch, sender: memberAt(this.state.ratchetTree, this.ownLeafIndex) ?? null, external: false, added, removed };
    }

    const current = this.state.groupContext.epoch;
    const isApplication = contentType === "application";
    if (isApplication && message.wireformat === "mls_public_message") {
      throw new MlsError(MlsErrorCode.Rejected, "message: application data must be a PrivateMessage");
    }
    const known = epoch === current || (isApplication && epoch < current && this.state.historicalReceiverData.has(epoch));
    if (!known) {
      throw new MlsError(MlsErrorCode.WrongEpoch, `message: from epoch ${epoch}, the group is at epoch ${current}`, {
        messageEpoch: epochNumber(epoch),
        groupEpoch: epochNumber(current),
      });
    }

    if (isApplication && message.wireformat === "mls_private_message") return this.openApplication(message.privateMessage, epoch === current);

    if (message.wireformat === "mls_public_message") this.checkPublicSender(message.publicMessage.content);
    const senderLeaf = message.wireformat === "mls_private_message" ? await this.privateSender(message.privateMessage) : undefined;
    const before = this.state;
    const auditBefore = this.audit.rejections;
    let refused: string | undefined;
    const policy: IncomingMessageCallback = (incoming) => {
      const proposals = incoming.kind === "commit" ? incoming.proposals : [incoming.proposal];
      const bad = proposals.find((p) => !ALLOWED_PROPOSALS.has(p.proposal.proposalType));
      if (bad !== undefined) {
        refused = String(bad.proposal.proposalType);
        return "reject";
      }
      return acceptAll(incoming);
    };
    let result;
    try {
      result = await processMessage(message as Extract<MLSMessage, { wireformat: "mls_private_message" | "mls_public_message" }>, before, emptyPskIndex, policy, this.cs);
    } catch (e) {
      throw toMlsError(e, "process", { before: auditBefore, now: this.audit });
    }
    if (result.kind === "newState" && result.actionTaken === "reject") {
      throw new MlsError(MlsErrorCode.Rejected, `process: Parley does not use ${refused ?? "this"} proposals`);
    }
    this.state = { ...result.newState, clientConfig: before.clientConfig };
    result.consumed.forEach(zeroOutUint8Array);

    if (result.kind === "applicationMessage") {
      // openApplication handles application messages; ts-mls reads the content type from the header.
      throw new MlsError(MlsErrorCode.Rejected, "process: application data inside a handshake message");
    }
    if (contentType === "proposal") return { kind: "proposal", epoch: this.epoch };

    // A commit: the epoch moved on (or we were removed), so our own pending commits are void.
    this.pendings = [];
    const { added, removed } = diffMembers(before.ratchetTree, this.state.ratchetTree);
    let sender: MlsMember | null = null;
    let external = false;
    if (message.wireformat === "mls_public_message" && message.publicMessage.content.contentType === "commit") {
      const content = message.publicMessage.content;
      if (content.sender.senderType === "new_member_commit") {
        // The joiner's leaf is the one holding its path's signature key. A resync puts the same
        // device back where it was, which a diff does not see: report it as removed and added.
        external = true;
        const joinerKey = content.commit.path?.leafNode.signaturePublicKey;
        sender = this.members().find((m) => joinerKey !== undefined && equalBytes(m.signaturePublicKey, joinerKey)) ?? null;
        if (sender !== null && !added.some((m) => m.leafIndex === sender!.leafIndex)) added.push(sender);
        for (const p of content.commit.proposals) {
          if (p.proposalOrRefType !== "proposal" || p.proposal.proposalType !== "remove") continue;
          const leaf = p.proposal.remove.removed;
          const former = memberAt(before.ratchetTree, leaf);
          if (former !== undefined && !removed.some((m) => m.leafIndex === leaf)) removed.push(former);
        }
      } else if (content.sender.senderType === "member") {
        sender = memberAt(this.state.ratchetTree, content.sender.leafIndex) ?? null;
      }
    } else if (senderLeaf !== undefined) {
      sender = memberAt(this.state.ratchetTree, senderLeaf) ?? memberAt(before.ratchetTree, senderLeaf) ?? null;
    }
    return { kind: "commit", epoch: this.epoch, sender, external, added, removed };
  }

  /** An application message of the current epoch or of a retained past one. */
  private async openApplication(pm: PrivateMessage, current: boolean): Promise<Processed> {
    const state = this.state;
    const epoch: ReceiverEpoch = current
      ? { senderDataSecret: state.keySchedule.senderDataSecret, secretTree: state.secretTree, ratchetTree: state.ratchetTree, groupContext: state.groupContext }
      : state.historicalReceiverData.get(pm.epoch)!;
    let opened;
    try {
      opened = await openApplicationMessage(pm, epoch, this.ownLeafIndex, state.clientConfig.keyRetentionConfig, this.cs);
    } catch (e) {
      throw toMlsError(e, "process");
    }
    const sender = memberAt(epoch.ratchetTree, opened.senderLeaf);
    if (sender === undefined) throw new MlsError(MlsErrorCode.Rejected, "process: the sender is not a member");
    if (current) {
      this.state = { ...state, secretTree: opened.secretTree };
    } else {
      const historical = new Map(state.historicalReceiverData).set(pm.epoch, { ...state.historicalReceiverData.get(pm.epoch)!, secretTree: opened.secretTree });
      this.state = { ...state, historicalReceiverData: historical };
    }
    wipe(opened.consumed);
    return { kind: "application", plaintext: opened.plaintext, sender, epoch: epochNumber(pm.epoch) };
  }

  /**
   * Proposals come from members only: Parley configures no external senders, and a
   * new_member_proposal would let anyone who can post to the log queue an Add that the next
   * committer includes. Commits come from members, or from a joiner by external commit.
   */
  private checkPublicSender(content: FramedContent): void {
    const senderType = content.sender.senderType;
    if (content.contentType === "proposal" && senderType !== "member") {
      throw new MlsError(MlsErrorCode.Rejected, `process: proposals from ${senderType} senders are not accepted`);
    }
    if (content.contentType !== "commit") return;
    if (senderType !== "member" && senderType !== "new_member_commit") {
      throw new MlsError(MlsErrorCode.Rejected, `process: commits from ${senderType} senders are not accepted`);
    }
    if (senderType === "new_member_commit") {
      const refusal = checkExternalCommit(content.commit, this.state.ratchetTree);
      if (refusal !== undefined) throw new MlsError(MlsErrorCode.Rejected, `process: ${refusal}`);
      // ts-mls does not expect a member to be removed by an external commit (it then fails
      // looking for its path secret); say what happened instead.
      const replacesUs = content.commit.proposals.some(
        (p) => p.proposalOrRefType === "proposal" && p.proposal.proposalType === "remove" && p.proposal.remove.removed === this.ownLeafIndex,
      );
      if (replacesUs) {
        throw new MlsError(MlsErrorCode.Rejected, "process: an external commit replaced this device's own leaf (another copy of this device rejoined)");
      }
    }
  }

  /**
   * The leaf index a PrivateMessage claims in its encrypted sender data. ts-mls checks it (the
   * signature is verified with that leaf's key) but does not return it, so we read it first.
   */
  private async privateSender(pm: Extract<MLSMessage, { wireformat: "mls_private_message" }>["privateMessage"]): Promise<number> {
    const epochData =
      pm.epoch === this.state.groupContext.epoch
        ? this.state.keySchedule.senderDataSecret
        : this.state.historicalReceiverData.get(pm.epoch)?.senderDataSecret;
    if (epochData === undefined) throw new MlsError(MlsErrorCode.WrongEpoch, "message: no keys for its epoch");
    let senderData;
    try {
      senderData = await decryptSenderData(pm, epochData, this.cs);
    } catch (e) {
      throw toMlsError(e, "process", undefined, MlsErrorCode.DecryptFailed);
    }
    if (senderData === undefined) throw new MlsError(MlsErrorCode.DecryptFailed, "process: the sender data does not decode");
    if (senderData.leafIndex === this.ownLeafIndex) {
      throw new MlsError(MlsErrorCode.OwnMessage, "process: this device sent this message; senders cannot decrypt their own");
    }
    return senderData.leafIndex;
  }
}
