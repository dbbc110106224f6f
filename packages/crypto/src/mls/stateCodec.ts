/**
 * The byte format of MlsGroup.serialize():
 *   "PMG" || 0x01 || varlen(GroupState) || varlen-vector of { varlen(commit) || varlen(GroupState) }
 * GroupState is ts-mls's own encoding (encodeGroupState): group context, key schedule, secret
 * tree, ratchet tree, private key path, signature key, unapplied proposals, confirmation tag,
 * the retained past epochs and the active/removed flag. The vector holds this device's commits
 * that are waiting for the server's answer with the state each leads to, so a device that
 * crashes after the server accepted its commit can still apply it when the commit comes back.
 */
import { decodeGroupState, encodeGroupState, type GroupState } from "ts-mls";
import { mapDecoders } from "ts-mls/codec/tlsDecoder.js";
import { contramapBufferEncoders, encode } from "ts-mls/codec/tlsEncoder.js";
import { decodeVarLenData, decodeVarLenType, varLenDataEncoder, varLenTypeEncoder } from "ts-mls/codec/variableLength.js";
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

const pendingEncoder = contramapBufferEncoders(
  [varLenDataEncoder, varLenDataEncoder],
  (p: { commit: Uint8Array; state: Uint8Array }) => [p.commit, p.state] as const,
);
const bodyEncoder = contramapBufferEncoders(
  [varLenDataEncoder, varLenTypeEncoder(pendingEncoder)],
  (b: Encoded) => [b.state, b.pendings] as const,
);
const decodeBody = mapDecoders(
  [decodeVarLenData, decodeVarLenType(mapDecoders([decodeVarLenData, decodeVarLenData], (commit, state) => ({ commit, state })))],
  (state, pendings): Encoded => ({ state, pendings }),
);

export function encodeStoredGroup(state: GroupState, pendings: StoredPending[]): Uint8Array {
  const body = encode(bodyEncoder)({
    state: encodeGroupState(state),
    pendings: pendings.map((p) => ({ commit: p.commit, state: encodeGroupState(p.state) })),
  });
  const out = new Uint8Array(MAGIC.length + body.length);
  out.set(MAGIC, 0);
  out.set(body, MAGIC.length);
  body.fill(0);
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
