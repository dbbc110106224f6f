import type { HandlerTable } from "./context.js";
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
import { messageSend } from "./messages.js";
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

export { ProtocolError, InternalError } from "./context.js";
export type { HandlerContext, ConnectionControl, SessionState, Handler, HandlerTable } from "./context.js";
