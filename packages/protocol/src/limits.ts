/**
 * Resource limits shared by server and client. Each is a named option with a safe default; the
 * server takes overrides from its configuration, and frame schemas use these to bound sizes.
 */
export interface Limits {
  /** Largest WebSocket frame accepted, in bytes, before any parsing. */
  maxFrameBytes: number;
  /** Largest MLS application message (ciphertext) in one `message.send`. */
  maxMessageBytes: number;
  /** Largest MLS handshake object: a commit, Welcome or GroupInfo. */
  maxHandshakeBytes: number;
  /** Largest MLS key package. */
  maxKeyPackageBytes: number;
  /** Largest account key backup blob. */
  maxBackupBytes: number;
  /** Largest MLS credential (the signed device certificate). */
  maxCredentialBytes: number;
  /** One-time key packages a device may hold on the server at once. */
  maxKeyPackagesPerDevice: number;
  /** Devices in one `conversation.commit` add or remove list. */
  maxDevicesPerCommit: number;
  /** Members (devices) in one conversation. */
  maxConversationDevices: number;
  /** Length of a conversation name in characters. */
  maxConversationNameLength: number;
  /** Entries in one `deliver` push. */
  maxDeliverBatch: number;
}

export const defaultLimits: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 4 * 1024 * 1024,
  maxMessageBytes: 256 * 1024,
  maxHandshakeBytes: 2 * 1024 * 1024,
  maxKeyPackageBytes: 16 * 1024,
  maxBackupBytes: 4 * 1024,
  maxCredentialBytes: 4 * 1024,
  maxKeyPackagesPerDevice: 200,
  maxDevicesPerCommit: 1000,
  maxConversationDevices: 5000,
  maxConversationNameLength: 100,
  maxDeliverBatch: 256,
});

/** Usernames: lower-case letters, digits, '_', '.', '-'; 2 to 32 characters; starts alphanumeric. */
export const USERNAME_PATTERN = "^[a-z0-9][a-z0-9_.-]{1,31}$";

/** Device and conversation ids: 22 base64url characters (16 random bytes). */
export const ID_PATTERN = "^[A-Za-z0-9_-]{22}$";

/** Client-chosen message ids (idempotency keys): 8 to 64 base64url characters. */
export const MESSAGE_ID_PATTERN = "^[A-Za-z0-9_-]{8,64}$";
