import { topics } from "../bus/Bus.js";
import type { CachedEntry } from "../delivery/entryCache.js";
import type { AppendedEntry } from "../store/Store.js";
import type { HandlerContext } from "./context.js";

/**
 * Tells the conversation's subscribers (its members' connections) that its log grew; `entry` is
 * the new entry serialized, for other server processes' caches (see BusEvent).
 */
export async function announceAppended(ctx: HandlerContext, appended: AppendedEntry, entry?: CachedEntry): Promise<void> {
  await ctx.bus.publish(topics.conversation(appended.conversationId), {
    type: "appended",
    conversationId: appended.conversationId,
    seq: appended.seq,
    ...(entry !== undefined && entry.seq === appended.seq ? { entry } : {}),
  });
}

/** Tells a device's connections that its memberships or Welcome queue changed. */
export async function announceMembership(ctx: HandlerContext, deviceId: string): Promise<void> {
  await ctx.bus.publish(topics.device(deviceId), { type: "membership", deviceId });
}
