import { CloseCode, ErrorCode, type RequestBody, type RequestResult } from "@parley/protocol";
import { entryCacheFor } from "../delivery/entryCache.js";
import type { AppendOutcome } from "../store/Store.js";
import { announceAppended } from "./announce.js";
import { ProtocolError, deviceOf, type Handler, type HandlerContext } from "./context.js";

type SendBody = RequestBody<"message.send">;
type SendReply = RequestResult<"message.send"> | ProtocolError;

/** Application messages: stored once in the conversation's log, whatever the number of recipients. */
export const messageSend: Handler<"message.send"> = (ctx, body) => messageSendAll(ctx, [body])[0]!;

/**
 * Several `message.send` requests of one connection, stored in the order given (the store queues
 * them back to back into one group commit) and each answered on its own. The store call is made
 * before anything is awaited: that is what keeps a connection's messages in the order it sent them.
 */
export function messageSendAll(ctx: HandlerContext, bodies: readonly SendBody[]): Promise<SendReply>[] {
  const caller = deviceOf(ctx);
  const now = ctx.config.now();
  const outcomes = ctx.store.appendApplications(
    bodies.map((body) => ({
      conversationId: body.conversationId,
      sender: caller,
      epoch: body.epoch,
      messageId: body.messageId,
      ciphertext: body.ciphertext,
      now,
    })),
  );
  return outcomes.map((outcome, i) => outcome.then((o) => answer(ctx, caller, now, bodies[i]!, o)));
}

async function answer(
  ctx: HandlerContext,
  caller: { username: string; deviceId: string },
  now: number,
  body: SendBody,
  outcome: AppendOutcome,
): Promise<SendReply> {
  // The gateway does not re-read the device before a send (the store's membership check covers
  // revocation): whatever else the store answered, a revoked device is told it was revoked, as
  // its gate would have, and its connection closes.
  if (outcome.kind !== "ok" && !(await ctx.store.isDeviceActive(caller.deviceId))) {
    ctx.connection.closeAfterReply(CloseCode.SessionRevoked, "device revoked");
    return new ProtocolError(ErrorCode.SessionInvalid, "this device was revoked");
  }
  switch (outcome.kind) {
    case "ok": {
      // The entry is exactly what the store now holds: hand it to the recipients' Pushers
      // directly, so none of them has to read it back (see delivery/entryCache.ts).
      const [cached] = entryCacheFor(ctx.store).add(body.conversationId, [
        {
          entry: {
            kind: "application",
            seq: outcome.seq,
            epoch: body.epoch,
            sentAt: now,
            messageId: body.messageId,
            sender: { username: caller.username, deviceId: caller.deviceId },
            data: body.ciphertext,
          },
          senderDeviceId: caller.deviceId,
        },
      ]);
      await announceAppended(ctx, { conversationId: body.conversationId, seq: outcome.seq }, cached);
      return { seq: outcome.seq, duplicate: false };
    }
    case "duplicate":
      return { seq: outcome.seq, duplicate: true };
    case "conversationNotFound":
      return new ProtocolError(ErrorCode.ConversationNotFound, "no such conversation");
    case "notMember":
      return new ProtocolError(ErrorCode.NotMember, "you are not a member of this conversation");
    case "messageIdTaken":
      return new ProtocolError(ErrorCode.Forbidden, "this messageId was used by another device");
  }
}
