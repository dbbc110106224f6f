import { ErrorCode } from "@parley/protocol";
import { ProtocolError, type Handler } from "./context.js";

/** Public account facts other users need to start a conversation and verify credentials. */
export const userLookup: Handler<"user.lookup"> = async (ctx, body) => {
  const user = await ctx.store.getUser(body.username);
  if (!user) return new ProtocolError(ErrorCode.UserNotFound, "no such user");
  const devices = await ctx.store.listDevices(user.username);
  return {
    username: user.username,
    identityKey: user.identityKey,
    devices: devices
      .filter((d) => d.revokedAt === null)
      .map((d) => ({ deviceId: d.deviceId, credential: d.credential, signatureKey: d.signatureKey, createdAt: d.createdAt })),
  };
};
