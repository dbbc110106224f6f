import pg from "pg";
import type {
  AppendOutcome,
  ApplicationInput,
  ClaimedKeyPackage,
  CommitInput,
  CommitOutcome,
  ConversationRecord,
  CreateConversationOutcome,
  DeliveryState,
  DeviceRecord,
  KeyPackageCounts,
  LeaveOutcome,
  MemberRecord,
  NewConversation,
  NewDevice,
  RegisterDeviceOutcome,
  RevokeDeviceOutcome,
  SessionRecord,
  Store,
  StoredEntry,
  SweepResult,
  UserRecord,
  WelcomeRecord,
} from "../Store.js";
import { PostgresAccounts } from "./accounts.js";
import { PostgresConversations } from "./conversations.js";
import { first, typeParsers } from "./db.js";
import { PostgresDelivery } from "./delivery.js";
import { PostgresKeyPackages } from "./keyPackages.js";
import { EntryReads } from "./entryReads.js";
import { migrate } from "./migrations.js";
import { sweep } from "./retention.js";

export interface PostgresStoreOptions {
  /** Connections this instance keeps open at most (PostgreSQL's max_connections is shared by all). */
  maxConnections?: number;
  /** How long a query may wait for a free connection before it fails. */
  connectionTimeoutMs?: number;
  /** Server-side limit per statement; 0 for none. */
  statementTimeoutMs?: number;
  /** For the migration records; tests move time without sleeping. */
  now?: number;
}

/**
 * The Store on PostgreSQL, for several server instances sharing one database. Same semantics as
 * the SQLite store (the conformance suite in test/ runs unchanged against both); where SQLite
 * gets them from having one writer, this store gets them from row locks taken at the start of
 * each read-decide-write transaction, and from unique keys settled by the insert itself.
 */
export class PostgresStore implements Store {
  private readonly accounts: PostgresAccounts;
  private readonly keyPackages: PostgresKeyPackages;
  private readonly conversations: PostgresConversations;
  private readonly delivery: PostgresDelivery;
  private readonly entryReads: EntryReads;
  private closed = false;

  private constructor(private readonly pool: pg.Pool) {
    this.accounts = new PostgresAccounts(pool);
    this.keyPackages = new PostgresKeyPackages(pool);
    this.conversations = new PostgresConversations(pool);
    this.delivery = new PostgresDelivery(pool);
    this.entryReads = new EntryReads(pool);
  }

  /**
   * Connects to `url` (postgres://user:password@host:port/database), applies pending migrations
   * (one instance at a time), and returns the store.
   *
   * @example
   * const store = await PostgresStore.connect("postgres://parley@127.0.0.1/parley");
   */
  static async connect(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    if (typeof url !== "string" || !/^postgres(ql)?:\/\//.test(url)) {
      throw new TypeError("url must be a postgres:// or postgresql:// URL");
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      application_name: "parley-server",
      types: typeParsers,
    });
    // An idle connection the server dropped must not take the process down.
    pool.on("error", () => {});
    try {
      await migrate(pool, options.now ?? Date.now());
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresStore(pool);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return (await first<{ ok: number }>(this.pool, "SELECT 1 AS ok"))?.ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Calls made before close() are queued for the end of this turn (turnBatcher.ts): let them
    // reach the pool first; pool.end() waits for the queries already running.
    await new Promise((resolve) => setImmediate(resolve));
    await this.pool.end();
  }

  async getOrCreateMeta(key: string, create: () => string): Promise<string> {
    const read = async () => (await first<{ value: string }>(this.pool, "SELECT value FROM meta WHERE key = $1", [key]))?.value;
    const existing = await read();
    if (existing !== undefined) return existing;
    await this.pool.query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", [key, create()]);
    return (await read())!;
  }

  createUser(user: UserRecord): Promise<{ kind: "ok" } | { kind: "usernameTaken" }> {
    return this.accounts.createUser(user);
  }
  getUser(username: string): Promise<UserRecord | null> {
    return this.accounts.getUser(username);
  }
  createSession(session: SessionRecord): Promise<void> {
    return this.accounts.createSession(session);
  }
  getSession(tokenHash: Uint8Array): Promise<SessionRecord | null> {
    return this.accounts.getSession(tokenHash);
  }
  deleteSession(tokenHash: Uint8Array): Promise<void> {
    return this.accounts.deleteSession(tokenHash);
  }
  registerDevice(device: NewDevice, hash: Uint8Array, max: number): Promise<RegisterDeviceOutcome> {
    return this.accounts.registerDevice(device, hash, max);
  }
  isDeviceActive(deviceId: string): Promise<boolean> {
    return this.accounts.isDeviceActive(deviceId);
  }
  getDevice(deviceId: string): Promise<DeviceRecord | null> {
    return this.accounts.getDevice(deviceId);
  }
  listDevices(username: string): Promise<DeviceRecord[]> {
    return this.accounts.listDevices(username);
  }
  revokeDevice(deviceId: string, now: number): Promise<RevokeDeviceOutcome> {
    return this.accounts.revokeDevice(deviceId, now);
  }

  uploadKeyPackages(deviceId: string, oneTime: string[], lastResort: string | null, max: number, now: number) {
    return this.keyPackages.upload(deviceId, oneTime, lastResort, max, now);
  }
  countKeyPackages(deviceId: string): Promise<KeyPackageCounts> {
    return this.keyPackages.count(deviceId);
  }
  claimKeyPackages(username: string, exceptDeviceId: string): Promise<ClaimedKeyPackage[]> {
    return this.keyPackages.claim(username, exceptDeviceId);
  }

  createConversation(input: NewConversation): Promise<CreateConversationOutcome> {
    return this.conversations.create(input);
  }
  getConversation(conversationId: string): Promise<ConversationRecord | null> {
    return this.conversations.get(conversationId);
  }
  listMembers(conversationId: string): Promise<MemberRecord[]> {
    return this.conversations.listMembers(conversationId);
  }
  listConversationsOfUser(username: string): Promise<ConversationRecord[]> {
    return this.conversations.listOfUser(username);
  }
  appendCommit(input: CommitInput): Promise<CommitOutcome> {
    return this.conversations.appendCommit(input);
  }
  appendApplication(input: ApplicationInput): Promise<AppendOutcome> {
    return this.conversations.appendApplication(input);
  }
  appendApplications(inputs: readonly ApplicationInput[]): Promise<AppendOutcome>[] {
    return this.conversations.appendApplications(inputs);
  }
  leaveConversation(conversationId: string, username: string, now: number): Promise<LeaveOutcome> {
    return this.conversations.leave(conversationId, username, now);
  }
  getGroupInfo(conversationId: string): Promise<{ epoch: number; groupInfo: string | null } | null> {
    return this.conversations.groupInfo(conversationId);
  }

  listDeliveryStates(deviceId: string): Promise<DeliveryState[]> {
    return this.delivery.listStates(deviceId);
  }
  getDeliveryState(conversationId: string, deviceId: string): Promise<DeliveryState | null> {
    return this.delivery.getState(conversationId, deviceId);
  }
  readEntries(conversationId: string, afterSeq: number, uptoSeq: number, limit: number): Promise<StoredEntry[]> {
    return this.entryReads.read(conversationId, afterSeq, uptoSeq, limit);
  }
  ackDelivery(conversationId: string, deviceId: string, seq: number) {
    return this.delivery.ack(conversationId, deviceId, seq);
  }
  advanceCursor(conversationId: string, deviceId: string, cursor: number): Promise<void> {
    return this.delivery.advance(conversationId, deviceId, cursor);
  }
  countPending(deviceId: string): Promise<{ entries: number; welcomes: number }> {
    return this.delivery.countPending(deviceId);
  }
  readWelcomes(deviceId: string, afterSeq: number, limit: number): Promise<WelcomeRecord[]> {
    return this.delivery.readWelcomes(deviceId, afterSeq, limit);
  }
  ackWelcomes(deviceId: string, seq: number): Promise<void> {
    return this.delivery.ackWelcomes(deviceId, seq);
  }

  sweep(now: number, retentionMs: number): Promise<SweepResult> {
    return sweep(this.pool, now, retentionMs);
  }
}
