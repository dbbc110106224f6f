import type { ConnectionState, MessageState } from "@parley/client";

/** One row of the conversation list. */
export interface ConversationRow {
  conversationId: string;
  kind: "direct" | "group";
  /** What the list shows: the group name, or the other user for a 1:1. */
  title: string;
  peer: string | null;
  members: string[];
  unread: number;
  /** Our device has joined the MLS group (false while a join is pending). */
  joined: boolean;
}

/** One line in a conversation: a message, or a notice (membership, key change) from this session. */
export type TimelineItem =
  | {
      type: "message";
      key: string;
      messageId: string;
      seq: number;
      sender: string;
      sentAt: number;
      direction: "in" | "out";
      state: MessageState;
      text: string;
    }
  | { type: "notice"; key: string; at: number; text: string };

/** "insecure": not a secure context (plain HTTP off localhost), where WebCrypto is missing. */
export type Phase = "starting" | "insecure" | "login" | "ready";

export interface AppState {
  phase: Phase;
  username: string | null;
  deviceId: string | null;
  connection: ConnectionState;
  conversations: ConversationRow[];
  selected: string | null;
  timeline: TimelineItem[];
  /** More stored messages exist before the first one shown. */
  hasOlder: boolean;
  /** Users typing in the selected conversation. */
  typing: string[];
  /** Contacts whose account key changed and is not yet accepted: sending to them is blocked. */
  keyChanged: string[];
  /** A message for the user about the last action that failed (shown in an alert region). */
  error: string | null;
  /** Short status text announced to screen readers (e.g. "Message sent"). */
  status: string;
}

export const initialState: AppState = {
  phase: "starting",
  username: null,
  deviceId: null,
  connection: "connecting",
  conversations: [],
  selected: null,
  timeline: [],
  hasOlder: false,
  typing: [],
  keyChanged: [],
  error: null,
  status: "",
};
