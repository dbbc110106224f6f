import { ErrorCode } from "@parley/protocol";
import { topics } from "../bus/Bus.js";
import { announceAppended } from "./announce.js";
import { ProtocolError, sessionOf, type Handler } from "./context.js";

/** The devices of the caller's own account. */

export const deviceRegister: Handler<"device.register"> = async (ctx, body) => {
  const session = sessionOf(ctx);
  if (session.deviceId !== null) {
    return new ProtocolError(ErrorCode.Forbidden, "this session is already bound to a device");
  }
  const outcome = await ctx.store.registerDevice(
    {
      deviceId: body.deviceId,
      username: session.username,
      name: body.name,
      credential: body.credential,
      signatureKey: body.signatureKey,
      createdAt: ctx.config.now(),
    },
    session.tokenHash,
    ctx.config.maxDevicesPerUser,
  );
  switch (outcome.kind) {
    case "ok":
      ctx.connection.bindDevice(body.deviceId);
      return {};
    case "deviceExists":
      return new ProtocolError(ErrorCode.DeviceExists, "this device id is already registered");
    case "sessionBound":
      return new ProtocolError(ErrorCode.Forbidden, "this session is already bound to a device");
    case "sessionInvalid":
      return new ProtocolError(ErrorCode.SessionInvalid, "this session is unknown, expired or logged out");
    case "quotaExceeded":
      return new ProtocolError(ErrorCode.QuotaExceeded, "this account has the maximum number of devices", {
        max: ctx.config.maxDevicesPerUser,
      });
  }
};

export const deviceList: Handler<"device.list"> = async (ctx) => {
  const devices = await ctx.store.listDevices(sessionOf(ctx).username);
  return {
    devices: devices.map((d) => ({ deviceId: d.deviceId, name: d.name, createdAt: d.createdAt, revokedAt: d.revokedAt })),
  };
};

export const deviceRevoke: Handler<"device.revoke"> = async (ctx, body) => {
  const session = sessionOf(ctx);
  const device = await ctx.store.getDevice(body.deviceId);
  if (!device) return new ProtocolError(ErrorCode.DeviceNotFound, "no such device");
  if (device.username !== session.username) {
    return new ProtocolError(ErrorCode.Forbidden, "only the device's own account can revoke it");
  }
  const outcome = await ctx.store.revokeDevice(body.deviceId, ctx.config.now());
  if (outcome.kind === "notFound") return new ProtocolError(ErrorCode.DeviceNotFound, "no such device");
  await ctx.bus.publish(topics.device(body.deviceId), { type: "revoked", deviceId: body.deviceId });
  for (const appended of outcome.appended) await announceAppended(ctx, appended);
  return {};
};
