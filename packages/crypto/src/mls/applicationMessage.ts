/**
 * Application messages (RFC 9420 §6.3: a PrivateMessage whose content type is application),
 * sealed and opened without ts-mls's general message path, which spends most of an application
 * message's time outside the cryptography: generic encoder closures, label strings encoded per
 * call, the GroupContext encoded again for every signature, the sender data decrypted twice (once
 * by ts-mls, once by us to learn the sender's leaf, which processMessage does not return), and
 * consumed secrets filled from the CSPRNG before being zeroed.
 *
 * Nothing new is computed. The primitives are the ciphersuite's (cs.signature, cs.kdf,
 * cs.hpke AEAD, cs.rng), the derivations are messageKeys.ts's (RFC 9420 §8, §9.1, §6.3.2), and the
 * structures are the RFC's: FramedContentTBS and SignContent (§6.1), PrivateContentAAD and
 * PrivateMessageContent (§6.3.1), SenderDataAAD and SenderData (§6.3.2). ts-mls still decodes
 * (sender data; content, with its all-zero padding check), encodes the GroupContext (once per
 * epoch), and handles every receive that is not the sender's next generation (out of order,
 * skipped keys, the forward-ratchet limit) with its own ratchetToGeneration. The interop tests
 * hold both directions to ts-mls's createApplicationMessage and processMessage.
 */
import type { CiphersuiteImpl, ClientState, GroupContext, KeyRetentionConfig, PaddingConfig, PrivateMessage } from "ts-mls";
import { encode } from "ts-mls/codec/tlsEncoder.js";
import { groupContextEncoder } from "ts-mls/groupContext.js";
import { byteLengthToPad } from "ts-mls/paddingConfig.js";
import { decodePrivateMessageContent } from "ts-mls/privateMessage.js";
import type { RatchetTree } from "ts-mls/ratchetTree.js";
import { ratchetToGeneration, type SecretTree } from "ts-mls/secretTree.js";
import { decodeSenderData } from "ts-mls/sender.js";
import { leafToNodeIndex, toLeafIndex } from "ts-mls/treemath.js";
import { MlsError, MlsErrorCode } from "./errors.js";
import { applicationRatchet, labelField, senderDataKeys, stepApplicationRatchet } from "./messageKeys.js";
import { Writer, varLenPrefixSize, varLenSize } from "./wire.js";

/** Code points from RFC 9420 §6: ProtocolVersion mls10, WireFormat mls_private_message, ContentType application, SenderType member. */
const MLS10 = 1;
const WIRE_PRIVATE_MESSAGE = 2;
const CONTENT_APPLICATION = 1;
const SENDER_MEMBER = 1;
const REUSE_GUARD_BYTES = 4;
const SENDER_DATA_BYTES = 4 + 4 + REUSE_GUARD_BYTES;
const SIGN_LABEL = labelField("FramedContentTBS");
const EMPTY = new Uint8Array(0);

const contextBytes = new WeakMap<GroupContext, Uint8Array>();

/** The encoded GroupContext, once per context object (ts-mls makes a new one for each epoch and never mutates it). */
function encodedContext(context: GroupContext): Uint8Array {
  let bytes = contextBytes.get(context);
  if (bytes === undefined) {
    bytes = encode(groupContextEncoder)(context);
    contextBytes.set(context, bytes);
  }
  return bytes;
}

/**
 * SignContent (§6.1) for a member's application message: label<V> = "MLS 1.0 FramedContentTBS",
 * content<V> = FramedContentTBS = version, wire format, FramedContent (group id, epoch, sender,
 * authenticated data, content type, application data), GroupContext.
 */
function signContent(context: GroupContext, groupId: Uint8Array, epoch: bigint, leafIndex: number, authenticatedData: Uint8Array, data: Uint8Array): Uint8Array {
  const ctx = encodedContext(context);
  const tbsSize = 2 + 2 + varLenSize(groupId.length) + 8 + 1 + 4 + varLenSize(authenticatedData.length) + 1 + varLenSize(data.length) + ctx.length;
  return new Writer(SIGN_LABEL.length + varLenPrefixSize(tbsSize) + tbsSize)
    .raw(SIGN_LABEL)
    .prefix(tbsSize)
    .u16(MLS10)
    .u16(WIRE_PRIVATE_MESSAGE)
    .varLen(groupId)
    .u64(epoch)
    .u8(SENDER_MEMBER)
    .u32(leafIndex)
    .varLen(authenticatedData)
    .u8(CONTENT_APPLICATION)
    .varLen(data)
    .raw(ctx)
    .done();
}

/** PrivateContentAAD (§6.3.1). */
function contentAad(groupId: Uint8Array, epoch: bigint, authenticatedData: Uint8Array): Uint8Array {
  return new Writer(varLenSize(groupId.length) + 8 + 1 + varLenSize(authenticatedData.length))
    .varLen(groupId)
    .u64(epoch)
    .u8(CONTENT_APPLICATION)
    .varLen(authenticatedData)
    .done();
}

/** SenderDataAAD (§6.3.2). */
function senderDataAad(groupId: Uint8Array, epoch: bigint): Uint8Array {
  return new Writer(varLenSize(groupId.length) + 8 + 1).varLen(groupId).u64(epoch).u8(CONTENT_APPLICATION).done();
}

/** Overwrites secrets the ratchet used up, so they do not linger in memory. */
export function wipe(consumed: Uint8Array[]): void {
  for (const secret of consumed) secret.fill(0);
}

export interface SealedApplicationMessage {
  privateMessage: PrivateMessage;
  /** The sender's secret tree with its application ratchet one generation on. */
  secretTree: SecretTree;
  /** Secrets used up: wipe() them once `secretTree` has replaced the old tree (which still holds them). */
  consumed: Uint8Array[];
}

/** Signs and encrypts one application message from this member. Whether it may send is the caller's check. */
export async function sealApplicationMessage(
  state: ClientState,
  plaintext: Uint8Array,
  padding: PaddingConfig,
  cs: CiphersuiteImpl,
): Promise<SealedApplicationMessage> {
  const context = state.groupContext;
  const { groupId, epoch } = context;
  const leafIndex = state.privatePath.leafIndex;
  const signature = await cs.signature.sign(state.signaturePrivateKey, signContent(context, groupId, epoch, leafIndex, EMPTY, plaintext));

  // PrivateMessageContent for application data: application_data<V>, FramedContentAuthData
  // (the signature<V> alone), then zero padding as the padding setting asks.
  const contentSize = varLenSize(plaintext.length) + varLenSize(signature.length);
  const pad = byteLengthToPad(contentSize, padding);
  const content = new Writer(contentSize + pad).varLen(plaintext).varLen(signature).zeros(pad).done();

  const reuseGuard = cs.rng.randomBytes(REUSE_GUARD_BYTES);
  const step = await stepApplicationRatchet(cs, state.secretTree, leafIndex, reuseGuard);
  const ciphertext = await cs.hpke.encryptAead(step.key, step.nonce, contentAad(groupId, epoch, EMPTY), content);
  content.fill(0);

  const senderKeys = await senderDataKeys(cs, state.keySchedule.senderDataSecret, ciphertext);
  const senderData = new Writer(SENDER_DATA_BYTES).u32(leafIndex).u32(step.generation).raw(reuseGuard).done();
  const encryptedSenderData = await cs.hpke.encryptAead(senderKeys.key, senderKeys.nonce, senderDataAad(groupId, epoch), senderData);
  return {
    privateMessage: { groupId, epoch, contentType: "application", authenticatedData: EMPTY, encryptedSenderData, ciphertext },
    secretTree: step.secretTree,
    consumed: step.consumed,
  };
}

/** What opening a message needs from its epoch: the current one's, or a retained past one's. */
export interface ReceiverEpoch {
  senderDataSecret: Uint8Array;
  secretTree: SecretTree;
  ratchetTree: RatchetTree;
  groupContext: GroupContext;
}

export interface OpenedApplicationMessage {
  plaintext: Uint8Array;
  senderLeaf: number;
  /** The epoch's secret tree after the sender's ratchet reached (or used a retained key of) the message's generation. */
  secretTree: SecretTree;
  /** Secrets used up: wipe() them once `secretTree` has replaced the old tree (which still holds them). */
  consumed: Uint8Array[];
}

/**
 * Decrypts and verifies an application PrivateMessage of `epoch` (its group and epoch are the
 * caller's checks). Refuses our own messages (MLS_OWN_MESSAGE: a sender cannot open what it
 * sealed), senders that are not a member, and bad signatures.
 */
export async function openApplicationMessage(
  message: PrivateMessage,
  epoch: ReceiverEpoch,
  ownLeaf: number,
  retention: KeyRetentionConfig,
  cs: CiphersuiteImpl,
): Promise<OpenedApplicationMessage> {
  if (message.contentType !== "application") throw new MlsError(MlsErrorCode.Malformed, "message: not an application message");
  const { groupId, epoch: epochNumber, authenticatedData, ciphertext } = message;

  const senderKeys = await senderDataKeys(cs, epoch.senderDataSecret, ciphertext);
  let senderDataBytes: Uint8Array;
  try {
    senderDataBytes = await cs.hpke.decryptAead(senderKeys.key, senderKeys.nonce, senderDataAad(groupId, epochNumber), message.encryptedSenderData);
  } catch (e) {
    throw new MlsError(MlsErrorCode.DecryptFailed, "process: the sender data does not decrypt", { cause: e });
  }
  const senderData = decodeSenderData(senderDataBytes, 0)?.[0];
  if (senderData === undefined) throw new MlsError(MlsErrorCode.DecryptFailed, "process: the sender data does not decode");
  if (senderData.leafIndex === ownLeaf) {
    throw new MlsError(MlsErrorCode.OwnMessage, "process: this device sent this message; senders cannot decrypt their own");
  }
  const leaf = epoch.ratchetTree[leafToNodeIndex(toLeafIndex(senderData.leafIndex))];
  if (leaf?.nodeType !== "leaf") throw new MlsError(MlsErrorCode.Rejected, "process: the sender is not a member");

  // The common case, the sender's next generation, is one ratchet step; anything else (a
  // retained key of a past generation, or skipping ahead) goes to ts-mls and its retention rules.
  const ratchet =
    applicationRatchet(epoch.secretTree, senderData.leafIndex)?.generation === senderData.generation
      ? await stepApplicationRatchet(cs, epoch.secretTree, senderData.leafIndex, senderData.reuseGuard)
      : await ratchetToGeneration(epoch.secretTree, senderData, "application", retention, cs).then((r) => ({ ...r, secretTree: r.newTree }));

  let decrypted: Uint8Array;
  try {
    decrypted = await cs.hpke.decryptAead(ratchet.key, ratchet.nonce, contentAad(groupId, epochNumber, authenticatedData), ciphertext);
  } catch (e) {
    throw new MlsError(MlsErrorCode.DecryptFailed, "process: the message does not decrypt", { cause: e });
  }
  const content = decodePrivateMessageContent("application")(decrypted, 0)?.[0];
  if (content?.contentType !== "application") throw new MlsError(MlsErrorCode.Malformed, "process: the decrypted content does not decode");

  const signed = signContent(epoch.groupContext, groupId, epochNumber, senderData.leafIndex, authenticatedData, content.applicationData);
  if (!(await cs.signature.verify(leaf.leaf.signaturePublicKey, signed, content.auth.signature))) {
    throw new MlsError(MlsErrorCode.Rejected, "process: the signature is invalid");
  }
  return { plaintext: content.applicationData, senderLeaf: senderData.leafIndex, secretTree: ratchet.secretTree, consumed: ratchet.consumed };
}
