import { ErrorCode } from "@parley/protocol";
import { ProtocolError, deviceOf, type Handler } from "./context.js";

/** MLS key packages: devices upload them, others claim them to add the device to a group. */

export const keyPackagesUpload: Handler<"keyPackages.upload"> = async (ctx, body) => {
  const { deviceId } = deviceOf(ctx);
  const max = ctx.config.limits.maxKeyPackagesPerDevice;
  const outcome = await ctx.store.uploadKeyPackages(
    deviceId,
    body.keyPackages,
    body.lastResort ?? null,
    max,
    ctx.config.now(),
  );
  if (outcome.kind === "quotaExceeded") {
    return new ProtocolError(ErrorCode.QuotaExceeded, "too many one-time key packages on the server", {
      max,
      stored: outcome.counts.oneTime,
    });
  }
  return outcome.counts;
};

export const keyPackagesCount: Handler<"keyPackages.count"> = async (ctx) => {
  return ctx.store.countKeyPackages(deviceOf(ctx).deviceId);
};

export const keyPackagesClaim: Handler<"keyPackages.claim"> = async (ctx, body) => {
  const { deviceId } = deviceOf(ctx);
  if (!(await ctx.store.getUser(body.username))) return new ProtocolError(ErrorCode.UserNotFound, "no such user");
  return { keyPackages: await ctx.store.claimKeyPackages(body.username, deviceId) };
};
