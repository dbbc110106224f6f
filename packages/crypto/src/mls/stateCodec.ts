/**
 * The byte format of MlsGroup.serialize():
 *   "PMG" || 0x01 || varlen(GroupState) || varlen-vector of { varlen(commit) || varlen(GroupState) }
 * GroupState is ts-mls's own encoding (encodeGroupState): group context, key schedule, secret
 * tree, ratchet tree, private key path, signature key, unapplied proposals, confirmation tag,
 * the retained past epochs and the active/removed flag. The vector holds this device's commits
 * that are waiting for the server's answer with the state each leads to, so a device that
 * crashes after the server accepted its commit can still apply it when the commit comes back.
 */
import { decodeGroupState, type GroupState } from "ts-mls";
import { groupStateEncoder } from "ts-mls/clientState.js";
import { mapDecoders } from "ts-mls/codec/tlsDecoder.js";
import { contramapBufferEncoders, type BufferEncoder } from "ts-mls/codec/tlsEncoder.js";
import { decodeVarLenData, decodeVarLenType, lengthEncoder, varLenDataEncoder, varLenTypeEncoder } from "ts-mls/codec/variableLength.js";
import { MlsError, MlsErrorCode } from "./errors.js";

const MAGIC = [0x50, 0x4d, 0x47, 0x01];

export interface StoredPending {
  commit: Uint8Array;
  state: GroupState;
}

interface Encoded {
  state: Uint8Array;
  pendings: { commit: Uint8Array; state: Uint8Array }[];
}

/** varlen(encoding of T), written in place: the length is known before the bytes are. */
function varLenOf<T>(enc: BufferEncoder<T>): BufferEncoder<T> {
  return (value) => {
    const [len, write] = enc(value);
    const [headerLen, writeHeader] = lengthEncoder(len);
    return [headerLen + len, (offset, buffer) => (writeHeader(offset, buffer), write(offset + headerLen, buffer))];
  };
}

const storedGroupEncoder = contramapBufferEncoders(
  [varLenOf(groupStateEncoder), varLenTypeEncoder(contramapBufferEncoders([varLenDataEncoder, varLenOf(groupStateEncoder)], (p: StoredPending) => [p.commit, p.state] as const))],
  (g: { state: GroupState; pendings: StoredPending[] }) => [g.state, g.pendings] as const,
);

const decodeBody = mapDecoders(
  [decodeVarLenData, decodeVarLenType(mapDecoders([decodeVarLenData, decodeVarLenData], (commit, state) => ({ commit, state })))],
  (state, pendings): Encoded => ({ state, pendings }),
);

/**
 * One buffer, written once: the state of a large group is about a megabyte (its trees and those
 * of the retained epochs) and is saved after every message, so no intermediate copies.
 */
export function encodeStoredGroup(state: GroupState, pendings: StoredPending[]): Uint8Array {
  const [len, write] = storedGroupEncoder({ state, pendings });
  const out = new Uint8Array(MAGIC.length + len);
  out.set(MAGIC, 0);
  write(MAGIC.length, out.buffer);
  return out;
}

// ts-mls decoders return [value, bytes consumed]; a whole-buffer decode must consume it all.
function decodeWholeGroupState(bytes: Uint8Array): GroupState {
  const decoded = decodeGroupState(bytes, 0);
  if (decoded === undefined || decoded[1] !== bytes.length) throw new Error("GroupState does not decode");
  return decoded[0];
}

/** Decodes serialize() output; throws MLS_STATE_CORRUPT. */
export function decodeStoredGroup(bytes: Uint8Array): { state: GroupState; pendings: StoredPending[] } {
  try {
    if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error("not a Parley MLS group state");
    const body = decodeBody(bytes, MAGIC.length);
    if (body === undefined || MAGIC.length + body[1] !== bytes.length) throw new Error("the state does not decode");
    return {
      state: decodeWholeGroupState(body[0].state),
      pendings: body[0].pendings.map((p) => ({ commit: p.commit.slice(), state: decodeWholeGroupState(p.state) })),
    };
  } catch (e) {
    throw new MlsError(MlsErrorCode.StateCorrupt, `state: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
