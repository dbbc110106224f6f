import type { ParleyClient } from "@parley/client";

/**
 * The part of the SDK the chat UI uses. ParleyClient fits it as is; naming the subset keeps the UI
 * honest about what it depends on and lets component tests drive it with a scripted double.
 */
export type ChatService = Pick<
  ParleyClient,
  | "username"
  | "deviceId"
  | "events"
  | "conversations"
  | "history"
  | "unseen"
  | "markSeen"
  | "send"
  | "sendText"
  | "markRead"
  | "setTyping"
  | "ensureDirect"
  | "createGroup"
  | "addMember"
  | "removeMember"
  | "leave"
  | "devices"
  | "safetyNumber"
  | "markVerified"
  | "acceptKeyChange"
  | "resolveTarget"
>;
