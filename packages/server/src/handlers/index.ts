import type { HandlerTable, RunHandlerTable } from "./context.js";
import { loginFinish, loginStart, registerFinish, registerStart, sessionLogout, sessionResume } from "./accounts.js";
import { deviceList, deviceRegister, deviceRevoke } from "./devices.js";
import { userLookup } from "./users.js";
import { keyPackagesClaim, keyPackagesCount, keyPackagesUpload } from "./keyPackages.js";
import {
  conversationCommit,
  conversationCreate,
  conversationExternalJoin,
  conversationGet,
  conversationGroupInfo,
  conversationLeave,
  conversationList,
} from "./conversations.js";
import { messageSend, messageSendAll } from "./messages.js";
import { deliveryAck, deliveryPending, welcomeAck } from "./delivery.js";

/** One handler per request type; the compiler checks that none is missing. */
export const handlers: HandlerTable = {
  "register.start": registerStart,
  "register.finish": registerFinish,
  "login.start": loginStart,
  "login.finish": loginFinish,
  "session.resume": sessionResume,
  "session.logout": sessionLogout,
  "device.register": deviceRegister,
  "device.list": deviceList,
  "device.revoke": deviceRevoke,
  "user.lookup": userLookup,
  "keyPackages.upload": keyPackagesUpload,
  "keyPackages.count": keyPackagesCount,
  "keyPackages.claim": keyPackagesClaim,
  "conversation.create": conversationCreate,
  "conversation.list": conversationList,
  "conversation.get": conversationGet,
  "conversation.commit": conversationCommit,
  "conversation.externalJoin": conversationExternalJoin,
  "conversation.groupInfo": conversationGroupInfo,
  "conversation.leave": conversationLeave,
  "message.send": messageSend,
  "delivery.ack": deliveryAck,
  "delivery.pending": deliveryPending,
  "welcome.ack": welcomeAck,
};

/**
 * The requests a connection runs together when a client pipelines them (gateway/Connection.ts):
 * sends are stored in order through one store call, so they share a group commit; acks only move
 * the device's own cursors forward, so they may run side by side with each other and the sends.
 * A run starts them in this table's order: acks first, so that their cursor moves are queued
 * ahead of the appends.
 */
export const runHandlers: RunHandlerTable = {
  "delivery.ack": (ctx, bodies) => bodies.map((body) => deliveryAck(ctx, body)),
  "message.send": messageSendAll,
};

export { ProtocolError, InternalError } from "./context.js";
export type { HandlerContext, ConnectionControl, SessionState, Handler, HandlerTable, RunHandler, RunHandlerTable, RunType } from "./context.js";
