import { ErrorCode } from "@parley/protocol";
import { ProtocolError, deviceOf, type Handler } from "./context.js";

/** Acknowledgements that move a device's cursors, and what is still pending for it. */

export const deliveryAck: Handler<"delivery.ack"> = async (ctx, body) => {
  const { deviceId } = deviceOf(ctx);
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
