import { ErrorCode } from "@parley/protocol";
import { ProtocolError, deviceOf, type Handler } from "./context.js";

/** Acknowledgements that move a device's cursors, and what is still pending for it. */

export const deliveryAck: Handler<"delivery.ack"> = async (ctx, body) => {
  const { deviceId } = deviceOf(ctx);
  // The common case, an ack of what this connection just pushed: the Pusher already knows the
  // device may be there, so the cursor write needs no reads (one per device and turn, coalesced).
  const position = ctx.connection.ackPosition(body.conversationId, body.seq);
  if (position !== null) {
    await ctx.store.advanceCursor(body.conversationId, deviceId, position);
    return {};
  }
  const outcome = await ctx.store.ackDelivery(body.conversationId, deviceId, body.seq);
  if (outcome.kind === "ok") return {};
  if (!(await ctx.store.getConversation(body.conversationId))) {
    return new ProtocolError(ErrorCode.ConversationNotFound, "no such conversation");
  }
  return new ProtocolError(ErrorCode.NotMember, "this device is not a member of this conversation");
};

export const deliveryPending: Handler<"delivery.pending"> = async (ctx) => {
  return ctx.store.countPending(deviceOf(ctx).deviceId);
};

export const welcomeAck: Handler<"welcome.ack"> = async (ctx, body) => {
  await ctx.store.ackWelcomes(deviceOf(ctx).deviceId, body.seq);
  return {};
};
