import { CloseCode, ErrorCode } from "@parley/protocol";
import { hashToken, newSessionToken, sameHash, sessionName } from "../auth/tokens.js";
import { topics } from "../bus/Bus.js";
import { ProtocolError, sessionOf, type Handler, type HandlerContext } from "./context.js";

/** Accounts and sessions: OPAQUE registration and login, session resume and logout. */

/** The one answer for a wrong password and an unknown username alike. */
const authFailed = () => new ProtocolError(ErrorCode.AuthFailed, "wrong username or password");

function refuseIfAuthenticated(ctx: HandlerContext): ProtocolError | null {
  return ctx.connection.session
    ? new ProtocolError(ErrorCode.AlreadyAuthenticated, "this connection is already authenticated")
    : null;
}

export const registerStart: Handler<"register.start"> = async (ctx, body) => {
  const refused = refuseIfAuthenticated(ctx);
  if (refused) return refused;
  if (await ctx.store.getUser(body.username)) {
    return new ProtocolError(ErrorCode.UsernameTaken, "this username is taken");
  }
  const response = ctx.opaque.registrationResponse(body.username, body.request);
  if (response === null) return new ProtocolError(ErrorCode.InvalidBody, "request is not an OPAQUE registration request");
  ctx.connection.pendingRegistration = body.username;
  return { response };
};

export const registerFinish: Handler<"register.finish"> = async (ctx, body) => {
  const refused = refuseIfAuthenticated(ctx);
  if (refused) return refused;
  if (ctx.connection.pendingRegistration !== body.username) {
    return new ProtocolError(ErrorCode.HandshakeState, "register.finish needs a register.start for this username first");
  }
  ctx.connection.pendingRegistration = null;
  if (!ctx.opaque.isValidRecord(body.username, body.record)) {
    return new ProtocolError(ErrorCode.InvalidBody, "record is not an OPAQUE registration record");
  }
  const outcome = await ctx.store.createUser({
    username: body.username,
    opaqueRecord: body.record,
    identityKey: body.identityKey,
    backup: body.backup,
    createdAt: ctx.config.now(),
  });
  if (outcome.kind === "usernameTaken") return new ProtocolError(ErrorCode.UsernameTaken, "this username is taken");
  return {};
};

export const loginStart: Handler<"login.start"> = async (ctx, body) => {
  const refused = refuseIfAuthenticated(ctx);
  if (refused) return refused;
  ctx.connection.pendingLogin = null;
  const user = await ctx.store.getUser(body.username);
  const started = ctx.opaque.startLogin(body.username, user?.opaqueRecord ?? null, body.request);
  if (started === null) return new ProtocolError(ErrorCode.InvalidBody, "request is not an OPAQUE login request");
  ctx.connection.pendingLogin = { username: body.username, serverLoginState: started.serverLoginState };
  return { response: started.loginResponse };
};

export const loginFinish: Handler<"login.finish"> = async (ctx, body) => {
  const refused = refuseIfAuthenticated(ctx);
  if (refused) return refused;
  const pending = ctx.connection.pendingLogin;
  ctx.connection.pendingLogin = null;
  if (!pending) return new ProtocolError(ErrorCode.HandshakeState, "login.finish needs a login.start first");
  const verified = ctx.opaque.finishLogin(pending.serverLoginState, body.request);
  const user = verified ? await ctx.store.getUser(pending.username) : null;
  if (!user) return authFailed();

  const deviceId = body.deviceId ?? null;
  if (deviceId !== null) {
    const device = await ctx.store.getDevice(deviceId);
    if (!device || device.username !== user.username) {
      return new ProtocolError(ErrorCode.DeviceNotFound, "no such device on this account");
    }
    if (device.revokedAt !== null) return new ProtocolError(ErrorCode.DeviceRevoked, "this device was revoked");
  }
  const token = newSessionToken();
  const tokenHash = hashToken(token);
  const now = ctx.config.now();
  const expiresAt = now + ctx.config.sessionTtlMs;
  await ctx.store.createSession({ tokenHash, username: user.username, deviceId, createdAt: now, expiresAt });
  ctx.connection.establish({ tokenHash, username: user.username, deviceId, expiresAt });
  return {
    token,
    expiresAt,
    username: user.username,
    identityKey: user.identityKey,
    backup: user.backup,
    deviceId,
  };
};

export const sessionResume: Handler<"session.resume"> = async (ctx, body) => {
  const refused = refuseIfAuthenticated(ctx);
  if (refused) return refused;
  const invalid = () => new ProtocolError(ErrorCode.SessionInvalid, "this session is unknown, expired or logged out");
  const tokenHash = hashToken(body.token);
  // The lookup is by SHA-256 of the token, so its timing says nothing useful about stored tokens;
  // the comparison below is constant-time anyway.
  const session = await ctx.store.getSession(tokenHash);
  if (!session || !sameHash(session.tokenHash, tokenHash)) return invalid();
  if (session.expiresAt <= ctx.config.now()) {
    await ctx.store.deleteSession(tokenHash);
    return invalid();
  }
  if (session.deviceId !== null) {
    const device = await ctx.store.getDevice(session.deviceId);
    if (!device || device.revokedAt !== null) {
      await ctx.store.deleteSession(tokenHash);
      return invalid();
    }
  }
  ctx.connection.establish({
    tokenHash,
    username: session.username,
    deviceId: session.deviceId,
    expiresAt: session.expiresAt,
  });
  return { username: session.username, deviceId: session.deviceId, expiresAt: session.expiresAt };
};

export const sessionLogout: Handler<"session.logout"> = async (ctx) => {
  const session = sessionOf(ctx);
  await ctx.store.deleteSession(session.tokenHash);
  const name = sessionName(session.tokenHash);
  await ctx.bus.publish(topics.session(name), { type: "sessionEnded", session: name });
  ctx.connection.closeAfterReply(CloseCode.SessionRevoked, "logged out");
  return {};
};
