import type { MlsGroup, PendingCommit } from "@parley/crypto";
import { ErrorCode, newMessageId, toBase64 } from "@parley/protocol";
import { ClientErrorCode, ParleyError, isParleyError } from "../errors.js";
import type { Groups } from "./groups.js";
import { requestIdempotent, type Session } from "../session/Session.js";

/** What a commit builder returns: the MLS commit and the routing headers the server needs. */
export interface BuiltCommit {
  pending: PendingCommit;
  add: string[];
  remove: string[];
}

const MAX_ATTEMPTS = 8;

/**
 * Sends a commit, the way the MLS Delivery Service wants it: built on the current epoch, merged
 * locally only once the server accepted it. If another member's commit won the epoch, the server
 * answers STALE_EPOCH; we wait until our inbox has processed up to the new epoch and build again
 * (the builder decides afresh; it may find there is nothing left to do and return undefined).
 */
export async function commitWithRetry(
  session: Session,
  groups: Groups,
  conversationId: string,
  build: (group: MlsGroup) => Promise<BuiltCommit | undefined>,
  onStale: () => void = () => {},
): Promise<{ seq: number; epoch: number } | undefined> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const outcome = await groups.withJoined(conversationId, async (group) => {
      const built = await build(group);
      if (!built) return { kind: "nothing" as const };
      try {
        const res = await requestIdempotent(session, "conversation.commit", {
          conversationId,
          epoch: group.epoch,
          messageId: newMessageId(),
          commit: toBase64(built.pending.commit),
          groupInfo: toBase64(built.pending.groupInfo),
          ...(built.pending.welcome ? { welcome: toBase64(built.pending.welcome) } : {}),
          add: built.add,
          remove: built.remove,
        });
        await group.merge(built.pending);
        // Our own commit is never delivered back to us: mark it processed with the state.
        await groups.save(conversationId, group);
        return { kind: "done" as const, res };
      } catch (e) {
        if (isParleyError(e, ErrorCode.StaleEpoch)) {
          const epoch = Number(e.details?.epoch ?? group.epoch + 1);
          return { kind: "stale" as const, epoch };
        }
        throw e;
      }
    });
    if (outcome.kind === "nothing") return undefined;
    if (outcome.kind === "done") return outcome.res;
    onStale();
    await groups.waitForEpoch(conversationId, outcome.epoch, 10_000);
  }
  throw new ParleyError(ClientErrorCode.CommitConflict, `gave up after ${MAX_ATTEMPTS} attempts: the conversation is too busy, try again`);
}
