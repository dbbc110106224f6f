import type { Envelope } from "../envelope.js";

/** Who this profile is: written at login/registration, read at every start. */
export interface Profile {
  serverUrl: string;
  /**
   * Every server URL the profile was given, serverUrl first: instances of one deployment that
   * share a database, tried in turn when the one in use goes away. Absent in older profiles.
   */
  serverUrls?: string[];
  username: string;
  deviceId: string;
  deviceName: string;
  sessionToken: string;
  /** Account identity key pair (Ed25519), restored from the server-side backup on a new device. */
  accountPublicKey: Uint8Array;
  accountPrivateKey: Uint8Array;
  /** This device's MLS leaf signature key pair and its account-signed credential. */
  signaturePublicKey: Uint8Array;
  signaturePrivateKey: Uint8Array;
  credential: Uint8Array;
}

export interface StoredKeyPackage {
  ref: string;
  keyPackage: Uint8Array;
  privateState: Uint8Array;
  lastResort: boolean;
}

export interface StoredConversation {
  conversationId: string;
  kind: "direct" | "group";
  name: string;
  /** For direct conversations: the other user. */
  peer: string | null;
  createdAt: number;
}

export interface StoredGroup {
  conversationId: string;
  /** Serialized MLS group state. */
  state: Uint8Array;
  epoch: number;
  /** The last log sequence number this device has fully processed (decrypted, stored). */
  processedSeq: number;
}

export type MessageDirection = "in" | "out";
/** Delivery state of a message, as far as this device knows. */
export type MessageState = "sending" | "sent" | "delivered" | "read" | "received";

/** How far an outgoing message has got; receipts may arrive out of order, states never go back. */
const STATE_RANK: Record<MessageState, number> = { received: 0, sending: 1, sent: 2, delivered: 3, read: 4 };

/** Whether moving a message from `current` to `next` is progress (a late "delivered" never undoes "read"). */
export function advancesState(current: MessageState, next: MessageState): boolean {
  return STATE_RANK[next] > STATE_RANK[current];
}

export interface StoredMessage {
  conversationId: string;
  seq: number;
  messageId: string;
  senderUser: string;
  senderDevice: string;
  sentAt: number;
  direction: MessageDirection;
  state: MessageState;
  envelope: Envelope;
}

export interface Pin {
  username: string;
  accountKey: Uint8Array;
  verified: boolean;
  /** Set when the server presented a different key; sending is blocked until it is accepted. */
  changedKey: Uint8Array | null;
  firstSeen: number;
}

/** What one processed log entry changes locally; applied atomically before the entry is acked. */
export interface InboundChange {
  conversationId: string;
  processedSeq: number;
  group?: { state: Uint8Array; epoch: number };
  conversation?: StoredConversation;
  message?: StoredMessage;
}

/**
 * Local persistence for a client profile. Node uses SQLite in the profile directory; the web app
 * will use IndexedDB. Methods are async so both fit. Implementations make applyInbound atomic: a
 * crash leaves either the old state or the new one, never half.
 */
export interface LocalStore {
  /**
   * Optional: called at login once OPAQUE has succeeded, before the profile is read, for stores
   * encrypted at rest under a key derived from the export key (the browser's IndexedDB store).
   * Must not keep `exportKey` itself: the caller wipes it afterwards.
   */
  unlock?(exportKey: Uint8Array, username: string): Promise<void>;
  /** Undefined when there is no profile yet, or (for a store encrypted at rest) while it is locked. */
  getProfile(): Promise<Profile | undefined>;
  setProfile(profile: Profile): Promise<void>;
  /** Forgets the session token only (logout keeps keys and history on this device). */
  clearSession(): Promise<void>;

  putKeyPackages(kps: StoredKeyPackage[]): Promise<void>;
  getKeyPackage(ref: string): Promise<StoredKeyPackage | undefined>;
  deleteKeyPackage(ref: string): Promise<void>;

  getConversation(id: string): Promise<StoredConversation | undefined>;
  listConversations(): Promise<StoredConversation[]>;
  putConversation(c: StoredConversation): Promise<void>;

  getGroup(conversationId: string): Promise<StoredGroup | undefined>;
  /** Saves MLS state after a local change (encrypt, own commit merged). Keeps processedSeq unless given. */
  saveGroup(conversationId: string, state: Uint8Array, epoch: number, processedSeq?: number): Promise<void>;
  applyInbound(change: InboundChange): Promise<void>;

  /** Adds a message; returns false when one with the same (conversation, seq) or messageId exists. */
  addMessage(m: StoredMessage): Promise<boolean>;
  /** Moves a message's state forward; a state that is not progress (see advancesState) is ignored. */
  setMessageState(conversationId: string, messageId: string, state: MessageState): Promise<void>;
  listMessages(conversationId: string, opts?: { limit?: number; beforeSeq?: number }): Promise<StoredMessage[]>;
  /** Incoming messages not yet shown to the user (by `parley read` or a UI), oldest first. */
  listUnseen(limit?: number): Promise<StoredMessage[]>;
  markSeen(conversationId: string, seqs: number[]): Promise<void>;

  getPin(username: string): Promise<Pin | undefined>;
  putPin(pin: Pin): Promise<void>;
  listPins(): Promise<Pin[]>;

  close(): Promise<void>;
}
