import type { ConnectionState, MessageState } from "@parley/client";

export type Tone = "info" | "ok" | "warn" | "danger";

export interface ConversationView {
  id: string;
  kind: "direct" | "group";
  /** What the list shows: "@bob" or the group's name. */
  title: string;
  peer: string | null;
  members: string[];
  unread: number;
  last: { sender: string; text: string; at: number } | null;
  /** We left or were removed: kept readable, nothing can be sent. */
  closed: boolean;
}

/** One item of a conversation's timeline. */
export type TimelineItem =
  | {
      kind: "message";
      /** messageId, or a local id while it is still being sent. */
      id: string;
      seq: number;
      sender: string;
      at: number;
      text: string;
      direction: "in" | "out";
      state: MessageState | "failed";
    }
  | { kind: "event"; id: string; at: number; text: string; tone: Tone };

export interface SafetyView {
  username: string;
  groups: string[];
  qr: string;
  verified: boolean;
  changed: boolean;
}

export type Overlay =
  | { kind: "help" }
  | { kind: "devices"; lines: string[] }
  | { kind: "verify"; safety: SafetyView }
  | { kind: "key-changed"; username: string };

export interface ChatState {
  me: { username: string; deviceId: string };
  server: string;
  connection: { state: ConnectionState; detail?: string; since: number };
  conversations: ConversationView[];
  activeId: string | null;
  timelines: Record<string, TimelineItem[]>;
  /** conversationId → usernames typing there now. */
  typing: Record<string, string[]>;
  overlay: Overlay | null;
  /** The outcome of the last command, shown above the composer until the next one. */
  notice: { text: string; tone: Tone } | null;
  settings: { typing: boolean; receipts: boolean };
  /** Contacts we marked verified (shown beside their name). */
  verified: string[];
  /** Contacts whose key changed and is not yet accepted. */
  keyChanged: string[];
}
