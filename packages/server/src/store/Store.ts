import type { LogEntry, SystemEvent } from "@parley/protocol";

/**
 * Everything the server keeps. Handlers see only this interface, never a concrete database: the
 * SQLite implementation is the default, and a PostgreSQL one must be a drop-in.
 *
 * Binary fields (OPAQUE records, keys, ciphertexts) are passed and stored as the standard base64
 * strings they arrive in: the server never decodes them.
 *
 * Each method is one atomic step. Where a method reads, decides and writes (appendCommit,
 * claimKeyPackages, revokeDevice…), it does so inside one transaction of its own, and the outcome
 * is a discriminated union: expected refusals are values, not exceptions. Exceptions mean a failed
 * database, and surface to clients as PARLEY_ERR_INTERNAL.
 */
export interface Store {
  /** Whether the database answers (GET /healthz). */
  ping(): Promise<boolean>;
  close(): Promise<void>;

  /** Reads a server-wide value; on first use stores `create()` (atomically: one value wins). */
  getOrCreateMeta(key: string, create: () => string): Promise<string>;

  // --- accounts ---------------------------------------------------------------------------
  createUser(user: UserRecord): Promise<{ kind: "ok" } | { kind: "usernameTaken" }>;
  getUser(username: string): Promise<UserRecord | null>;

  // --- sessions (only SHA-256 hashes of tokens are stored) ------------------------------------
  createSession(session: SessionRecord): Promise<void>;
  getSession(tokenHash: Uint8Array): Promise<SessionRecord | null>;
  deleteSession(tokenHash: Uint8Array): Promise<void>;

  // --- devices ----------------------------------------------------------------------------
  /** Creates the device and binds the (unbound) session to it. */
  registerDevice(device: NewDevice, sessionTokenHash: Uint8Array, maxDevicesPerUser: number): Promise<RegisterDeviceOutcome>;
  getDevice(deviceId: string): Promise<DeviceRecord | null>;
  /** Whether the device exists and is not revoked: the gateway's check before device requests, reading only that. */
  isDeviceActive(deviceId: string): Promise<boolean>;
  /** All of a user's devices, revoked ones included, oldest first. */
  listDevices(username: string): Promise<DeviceRecord[]>;
  /**
   * Marks the device revoked; deletes its key packages, sessions and queued Welcomes; removes it
   * from every conversation, appending a `revoked` system entry to each.
   */
  revokeDevice(deviceId: string, now: number): Promise<RevokeDeviceOutcome>;

  // --- key packages -------------------------------------------------------------------------
  uploadKeyPackages(
    deviceId: string,
    oneTime: string[],
    lastResort: string | null,
    maxOneTime: number,
    now: number,
  ): Promise<{ kind: "ok"; counts: KeyPackageCounts } | { kind: "quotaExceeded"; counts: KeyPackageCounts }>;
  countKeyPackages(deviceId: string): Promise<KeyPackageCounts>;
  /**
   * For each non-revoked device of `username` except `exceptDeviceId`: takes (deletes) its oldest
   * one-time key package, or else hands out (keeps) its last-resort one; omits devices with none.
   * Concurrent claims never receive the same one-time package.
   */
  claimKeyPackages(username: string, exceptDeviceId: string): Promise<ClaimedKeyPackage[]>;

  // --- conversations (the MLS Delivery Service) ------------------------------------------
  createConversation(input: NewConversation): Promise<CreateConversationOutcome>;
  getConversation(conversationId: string): Promise<ConversationRecord | null>;
  /** Current members, ordered by username then join order. */
  listMembers(conversationId: string): Promise<MemberRecord[]>;
  /** Conversations in which any device of `username` is a current member, newest first. */
  listConversationsOfUser(username: string): Promise<ConversationRecord[]>;
  /** Appends a commit (or an external join) and applies its membership changes. */
  appendCommit(input: CommitInput): Promise<CommitOutcome>;
  /** Appends an application message, once for all recipients. */
  appendApplication(input: ApplicationInput): Promise<AppendOutcome>;
  /**
   * Appends several application messages in the order given, each with its own outcome (one
   * refused does not stop the others), in one group commit where the store has one: how a
   * connection's pipelined `message.send` requests are stored (gateway/Connection.ts, handleRun).
   */
  appendApplications(inputs: readonly ApplicationInput[]): Promise<AppendOutcome>[];
  /** Removes all of the user's devices from the conversation and appends a `left` system entry. */
  leaveConversation(conversationId: string, username: string, now: number): Promise<LeaveOutcome>;
  /** The latest GroupInfo (for external joins), with the epoch it belongs to. */
  getGroupInfo(conversationId: string): Promise<{ epoch: number; groupInfo: string | null } | null>;

  // --- delivery ---------------------------------------------------------------------------
  /**
   * The device's delivery position in each conversation it is, or was until recently, a member
   * of, where something may still be due to it: current memberships, and removals whose final
   * entries it has not acked yet.
   */
  listDeliveryStates(deviceId: string): Promise<DeliveryState[]>;
  getDeliveryState(conversationId: string, deviceId: string): Promise<DeliveryState | null>;
  /** Entries with afterSeq < seq <= uptoSeq, in order, at most `limit`. */
  readEntries(conversationId: string, afterSeq: number, uptoSeq: number, limit: number): Promise<StoredEntry[]>;
  /**
   * Moves the cursor forward to min(seq, the device's last deliverable seq), then on past any
   * entries that follow which the device sent itself. Never moves it back.
   */
  ackDelivery(conversationId: string, deviceId: string, seq: number): Promise<{ kind: "ok"; cursor: number } | { kind: "notMember" }>;
  /**
   * Moves the device's cursor forward to `cursor`, never back, reading nothing first. Only for a
   * position the caller has established is within what the device may receive: the gateway
   * uses it for acks of entries it pushed to the device itself (Pusher.ackPosition), where
   * ackDelivery's reads would only find what the Pusher already knows. Implementations may
   * coalesce the writes of one device and conversation; resolves once the cursor is durable.
   */
  advanceCursor(conversationId: string, deviceId: string, cursor: number): Promise<void>;
  /** Entries past the device's cursors that it did not send, and its queued Welcomes. */
  countPending(deviceId: string): Promise<{ entries: number; welcomes: number }>;
  readWelcomes(deviceId: string, afterSeq: number, limit: number): Promise<WelcomeRecord[]>;
  /** Deletes the device's queued Welcomes with seq <= `seq`. */
  ackWelcomes(deviceId: string, seq: number): Promise<void>;

  // --- retention --------------------------------------------------------------------------
  sweep(now: number, retentionMs: number): Promise<SweepResult>;
}

export interface UserRecord {
  username: string;
  opaqueRecord: string;
  identityKey: string;
  backup: string;
  createdAt: number;
}

export interface SessionRecord {
  tokenHash: Uint8Array;
  username: string;
  deviceId: string | null;
  createdAt: number;
  expiresAt: number;
}

export interface NewDevice {
  deviceId: string;
  username: string;
  name: string;
  credential: string;
  signatureKey: string;
  createdAt: number;
}

export interface DeviceRecord extends NewDevice {
  revokedAt: number | null;
}

export type RegisterDeviceOutcome =
  | { kind: "ok" }
  | { kind: "deviceExists" }
  | { kind: "sessionInvalid" }
  | { kind: "sessionBound" }
  | { kind: "quotaExceeded" };

/** Entries appended to conversations by a change of membership, for the bus to announce. */
export interface AppendedEntry {
  conversationId: string;
  seq: number;
}

export type RevokeDeviceOutcome =
  | { kind: "ok"; appended: AppendedEntry[]; alreadyRevoked: boolean }
  | { kind: "notFound" };

export interface KeyPackageCounts {
  oneTime: number;
  lastResort: boolean;
}

export interface ClaimedKeyPackage {
  deviceId: string;
  keyPackage: string;
}

export type ConversationKind = "direct" | "group";

export interface ConversationRecord {
  conversationId: string;
  kind: ConversationKind;
  name: string;
  epoch: number;
  lastSeq: number;
  createdAt: number;
  /** For direct conversations, the two usernames; empty for groups. */
  directUsers: string[];
}

export interface NewConversation {
  conversationId: string;
  kind: ConversationKind;
  name: string;
  creator: Sender;
  /** The other user of a direct conversation (checked to exist and differ from the creator). */
  peer: string | null;
  groupInfo: string | null;
  createdAt: number;
}

export type CreateConversationOutcome =
  | { kind: "ok"; conversation: ConversationRecord }
  | { kind: "idTaken" }
  | { kind: "peerNotFound" }
  | { kind: "directExists"; conversationId: string };

export interface MemberRecord {
  conversationId: string;
  deviceId: string;
  username: string;
  /** The device receives only entries after this one (the commit that added it). */
  joinedSeq: number;
}

export interface Sender {
  username: string;
  deviceId: string;
}

export interface CommitInput {
  conversationId: string;
  sender: Sender;
  /** The epoch the commit was built on; must be the current one. */
  epoch: number;
  messageId: string;
  commit: string;
  groupInfo: string;
  welcome: string | null;
  add: string[];
  remove: string[];
  /** An external join: the sender adds itself, and need not be a member (its user must be). */
  external: boolean;
  maxMembers: number;
  now: number;
}

export type CommitOutcome =
  | { kind: "ok"; seq: number; epoch: number; added: string[]; removed: string[] }
  | { kind: "duplicate"; seq: number; epoch: number }
  | { kind: "conversationNotFound" }
  | { kind: "notMember" }
  | { kind: "alreadyMember"; deviceId: string }
  | { kind: "messageIdTaken" }
  | { kind: "staleEpoch"; epoch: number }
  | { kind: "deviceNotFound"; deviceId: string }
  | { kind: "deviceRevoked"; deviceId: string }
  | { kind: "notParticipant"; deviceId: string }
  | { kind: "tooManyMembers" };

export interface ApplicationInput {
  conversationId: string;
  sender: Sender;
  epoch: number;
  messageId: string;
  ciphertext: string;
  now: number;
}

export type AppendOutcome =
  | { kind: "ok"; seq: number }
  | { kind: "duplicate"; seq: number }
  | { kind: "conversationNotFound" }
  | { kind: "notMember" }
  | { kind: "messageIdTaken" };

export type LeaveOutcome =
  | { kind: "ok"; seq: number; deviceIds: string[] }
  | { kind: "conversationNotFound" }
  | { kind: "notMember" };

export interface DeliveryState {
  conversationId: string;
  /** Highest seq the device has acked (never below joinedSeq). */
  cursor: number;
  joinedSeq: number;
  /** Set once the device is removed: the entry that removed it is the last one it receives. */
  removedSeq: number | null;
  lastSeq: number;
}

/** A log entry as delivered, with the sending device for the own-message exclusion. */
export interface StoredEntry {
  entry: LogEntry;
  senderDeviceId: string | null;
}

export interface WelcomeRecord {
  seq: number;
  conversationId: string;
  commitSeq: number;
  epoch: number;
  sender: Sender;
  sentAt: number;
  data: string;
}

export interface SweepResult {
  entries: number;
  welcomes: number;
  sessions: number;
}

export type { SystemEvent };
