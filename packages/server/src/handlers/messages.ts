import { ErrorCode } from "@parley/protocol";
import { entryCacheFor } from "../delivery/entryCache.js";
import { announceAppended } from "./announce.js";
import { ProtocolError, deviceOf, type Handler } from "./context.js";

/** Application messages: stored once in the conversation's log, whatever the number of recipients. */
export const messageSend: Handler<"message.send"> = async (ctx, body) => {
  const caller = deviceOf(ctx);
  const now = ctx.config.now();
  const outcome = await ctx.store.appendApplication({
    conversationId: body.conversationId,
    sender: caller,
    epoch: body.epoch,
    messageId: body.messageId,
    ciphertext: body.ciphertext,
    now,
  });
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
};
