import { ErrorCode, type ConversationInfo } from "@parley/protocol";
import type { CommitOutcome, ConversationRecord } from "../store/Store.js";
import { announceAppended, announceMembership } from "./announce.js";
import { ProtocolError, deviceOf, type Handler, type HandlerContext } from "./context.js";

/**
 * Conversations: the MLS Delivery Service side. The server orders handshake messages (one commit
 * per epoch), tracks which devices are members, and keeps the latest GroupInfo; it cannot read any
 * of them, and members' clients verify every change cryptographically.
 */

async function describe(ctx: HandlerContext, conv: ConversationRecord, deviceId: string): Promise<ConversationInfo> {
  const byUser = new Map<string, string[]>();
  let joined = false;
  for (const m of await ctx.store.listMembers(conv.conversationId)) {
    if (m.deviceId === deviceId) joined = true;
    const list = byUser.get(m.username);
    if (list) list.push(m.deviceId);
    else byUser.set(m.username, [m.deviceId]);
  }
  return {
    conversationId: conv.conversationId,
    kind: conv.kind,
    name: conv.name,
    epoch: conv.epoch,
    lastSeq: conv.lastSeq,
    createdAt: conv.createdAt,
    joined,
    members: [...byUser].map(([username, deviceIds]) => ({ username, deviceIds })),
  };
}

/**
 * The conversation, if the caller's user has a member device in it. An unknown id is
 * CONVERSATION_NOT_FOUND and a known one NOT_MEMBER: ids are 128-bit random and
 * conversation.create reveals whether one is taken anyway, so telling them apart leaks nothing new.
 */
async function visibleConversation(
  ctx: HandlerContext,
  conversationId: string,
  username: string,
): Promise<ConversationRecord | ProtocolError> {
  const conv = await ctx.store.getConversation(conversationId);
  if (!conv) return new ProtocolError(ErrorCode.ConversationNotFound, "no such conversation");
  const members = await ctx.store.listMembers(conversationId);
  if (!members.some((m) => m.username === username)) {
    return new ProtocolError(ErrorCode.NotMember, "you are not a member of this conversation");
  }
  return conv;
}

export const conversationCreate: Handler<"conversation.create"> = async (ctx, body) => {
  const caller = deviceOf(ctx);
  if (body.kind === "direct" && body.peer === undefined) {
    return new ProtocolError(ErrorCode.InvalidBody, "a direct conversation needs a peer");
  }
  if (body.kind === "group" && body.peer !== undefined) {
    return new ProtocolError(ErrorCode.InvalidBody, "a group conversation has no peer");
  }
  if (body.peer === caller.username) {
    return new ProtocolError(ErrorCode.Forbidden, "a direct conversation needs another user");
  }
  const outcome = await ctx.store.createConversation({
    conversationId: body.conversationId,
    kind: body.kind,
    name: body.name ?? "",
    creator: caller,
    peer: body.peer ?? null,
    groupInfo: body.groupInfo ?? null,
    createdAt: ctx.config.now(),
  });
  switch (outcome.kind) {
    case "ok":
      await announceMembership(ctx, caller.deviceId);
      return { conversation: await describe(ctx, outcome.conversation, caller.deviceId) };
    case "idTaken":
      return new ProtocolError(ErrorCode.ConversationExists, "this conversation id is taken", {
        conversationId: body.conversationId,
      });
    case "peerNotFound":
      return new ProtocolError(ErrorCode.UserNotFound, "no such user");
    case "directExists":
      return new ProtocolError(ErrorCode.ConversationExists, "a direct conversation with this user exists", {
        conversationId: outcome.conversationId,
      });
  }
};

export const conversationList: Handler<"conversation.list"> = async (ctx) => {
  const caller = deviceOf(ctx);
  const conversations = await ctx.store.listConversationsOfUser(caller.username);
  const out: ConversationInfo[] = [];
  for (const conv of conversations) out.push(await describe(ctx, conv, caller.deviceId));
  return { conversations: out };
};

export const conversationGet: Handler<"conversation.get"> = async (ctx, body) => {
  const caller = deviceOf(ctx);
  const conv = await visibleConversation(ctx, body.conversationId, caller.username);
  if (conv instanceof ProtocolError) return conv;
  return { conversation: await describe(ctx, conv, caller.deviceId) };
};

function checkLists(add: string[], remove: string[], welcome: string | undefined): ProtocolError | null {
  const all = [...add, ...remove];
  if (new Set(all).size !== all.length) {
    return new ProtocolError(ErrorCode.InvalidBody, "add and remove must list distinct devices");
  }
  if ((add.length > 0) !== (welcome !== undefined)) {
    return new ProtocolError(ErrorCode.InvalidBody, "a welcome is required exactly when devices are added");
  }
  return null;
}

async function commitOutcome(
  ctx: HandlerContext,
  conversationId: string,
  outcome: CommitOutcome,
): Promise<{ seq: number; epoch: number } | ProtocolError> {
  switch (outcome.kind) {
    case "ok":
      await announceAppended(ctx, { conversationId, seq: outcome.seq });
      for (const deviceId of outcome.added) await announceMembership(ctx, deviceId);
      return { seq: outcome.seq, epoch: outcome.epoch };
    case "duplicate":
      return { seq: outcome.seq, epoch: outcome.epoch };
    case "conversationNotFound":
      return new ProtocolError(ErrorCode.ConversationNotFound, "no such conversation");
    case "notMember":
      return new ProtocolError(ErrorCode.NotMember, "you are not a member of this conversation");
    case "alreadyMember":
      return new ProtocolError(ErrorCode.Forbidden, "the device is already a member", { deviceId: outcome.deviceId });
    case "messageIdTaken":
      return new ProtocolError(ErrorCode.Forbidden, "this messageId was used by another device");
    case "staleEpoch":
      return new ProtocolError(ErrorCode.StaleEpoch, "the conversation has moved on to a later epoch", {
        epoch: outcome.epoch,
      });
    case "deviceNotFound":
      return new ProtocolError(ErrorCode.DeviceNotFound, "no such device", { deviceId: outcome.deviceId });
    case "deviceRevoked":
      return new ProtocolError(ErrorCode.DeviceRevoked, "the device was revoked", { deviceId: outcome.deviceId });
    case "notParticipant":
      return new ProtocolError(ErrorCode.Forbidden, "only the two users' devices can join a direct conversation", {
        deviceId: outcome.deviceId,
      });
    case "tooManyMembers":
      return new ProtocolError(ErrorCode.QuotaExceeded, "the conversation would have too many devices", {
        max: ctx.config.limits.maxConversationDevices,
      });
  }
}

export const conversationCommit: Handler<"conversation.commit"> = async (ctx, body) => {
  const caller = deviceOf(ctx);
  const bad = checkLists(body.add, body.remove, body.welcome);
  if (bad) return bad;
  const outcome = await ctx.store.appendCommit({
    conversationId: body.conversationId,
    sender: caller,
    epoch: body.epoch,
    messageId: body.messageId,
    commit: body.commit,
    groupInfo: body.groupInfo,
    welcome: body.welcome ?? null,
    add: body.add,
    remove: body.remove,
    external: false,
    maxMembers: ctx.config.limits.maxConversationDevices,
    now: ctx.config.now(),
  });
  return commitOutcome(ctx, body.conversationId, outcome);
};

export const conversationExternalJoin: Handler<"conversation.externalJoin"> = async (ctx, body) => {
  const caller = deviceOf(ctx);
  const outcome = await ctx.store.appendCommit({
    conversationId: body.conversationId,
    sender: caller,
    epoch: body.epoch,
    messageId: body.messageId,
    commit: body.commit,
    groupInfo: body.groupInfo,
    welcome: null,
    add: [],
    remove: [],
    external: true,
    maxMembers: ctx.config.limits.maxConversationDevices,
    now: ctx.config.now(),
  });
  return commitOutcome(ctx, body.conversationId, outcome);
};

export const conversationGroupInfo: Handler<"conversation.groupInfo"> = async (ctx, body) => {
  const caller = deviceOf(ctx);
  const conv = await visibleConversation(ctx, body.conversationId, caller.username);
  if (conv instanceof ProtocolError) return conv;
  const info = await ctx.store.getGroupInfo(body.conversationId);
  if (!info?.groupInfo) {
    return new ProtocolError(ErrorCode.ConversationNotFound, "no GroupInfo has been published for this conversation yet");
  }
  return { epoch: info.epoch, groupInfo: info.groupInfo };
};

export const conversationLeave: Handler<"conversation.leave"> = async (ctx, body) => {
  const caller = deviceOf(ctx);
  const outcome = await ctx.store.leaveConversation(body.conversationId, caller.username, ctx.config.now());
  switch (outcome.kind) {
    case "ok":
      await announceAppended(ctx, { conversationId: body.conversationId, seq: outcome.seq });
      return {};
    case "conversationNotFound":
      return new ProtocolError(ErrorCode.ConversationNotFound, "no such conversation");
    case "notMember":
      return new ProtocolError(ErrorCode.NotMember, "you are not a member of this conversation");
  }
};
