import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
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
import { SqliteAccounts } from "./accounts.js";
import { SqliteConversations } from "./conversations.js";
import { CursorWrites } from "./cursorWrites.js";
import { SqliteDelivery } from "./delivery.js";
import { GroupCommit } from "./groupCommit.js";
import { SqliteKeyPackages } from "./keyPackages.js";
import { readEntries } from "./log.js";
import { migrate } from "./migrations.js";
import { sweep } from "./retention.js";
import { sql } from "./statements.js";
import { type CheckpointResult, WalCheckpointer } from "./walCheckpointer.js";

export const SQLITE_FILE_NAME = "parley.db";

/**
 * WAL pages after which a COMMIT checkpoints (SQLite's default is 1000). That checkpoint runs on
 * the event loop, fsyncs twice, and is what restarts the WAL; the worker (walCheckpointer.ts) has
 * copied all but the last 100 ms of frames by then, so what it costs is mostly the fsyncs, and
 * fewer of them is what matters. At 1000 pages a room of 10 at 1,930 messages/s (about 9,500 WAL
 * pages a second, a commit per message) had about ten a second, and p99 latency of 9–148 ms
 * (median 24) over four runs; at 10,000, one a second and 10–19 ms (median 12), alternating
 * (docs/performance.md). The WAL then grows to about 40 MB before it restarts (to 40–70 MB
 * under back-to-back writes, see WalCheckpointer).
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * The default Store: one SQLite file in WAL mode, opened by one server process. better-sqlite3 is
 * synchronous, so each method runs to completion before another starts; transactions are
 * BEGIN IMMEDIATE so that a second process on the same file waits instead of failing halfway.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly accounts: SqliteAccounts;
  private readonly keyPackages: SqliteKeyPackages;
  private readonly conversations: SqliteConversations;
  private readonly delivery: SqliteDelivery;
  private readonly hot: GroupCommit;
  private readonly cursors: CursorWrites;
  /** Null for an in-memory database (no WAL). */
  private readonly checkpointer: WalCheckpointer | null;
  private closed = false;

  /** Opens (creating if needed) `file`, or an in-memory database for ":memory:". */
  constructor(file: string, now: number = Date.now()) {
    this.db = new Database(file);
    try {
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma("busy_timeout = 5000");
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      migrate(this.db, now);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.accounts = new SqliteAccounts(this.db);
    this.keyPackages = new SqliteKeyPackages(this.db);
    this.conversations = new SqliteConversations(this.db);
    this.delivery = new SqliteDelivery(this.db);
    this.hot = new GroupCommit(this.db);
    this.cursors = new CursorWrites(this.db, this.hot);
    this.checkpointer = file === ":memory:" ? null : this.checkpointInWorker(file);
  }

  /** Most of the WAL checkpointing in a worker thread instead of inside a COMMIT (see WalCheckpointer). */
  private checkpointInWorker(file: string): WalCheckpointer {
    let warned = false;
    return new WalCheckpointer(
      file,
      (error) => {
        if (this.closed || warned) return;
        warned = true;
        // SQLite's own checkpoints in the COMMIT still bound the WAL; they just copy more.
        process.emitWarning(`${error.message}; checkpoints now run on the main thread only`);
      },
      { restartAtFrames: WAL_AUTOCHECKPOINT_PAGES },
    );
  }

  /** Runs a WAL checkpoint now, on the worker (for tests and tools); null for an in-memory store. */
  checkpointWal(): Promise<CheckpointResult | null> {
    return this.checkpointer ? this.checkpointer.checkpoint() : Promise.resolve(null);
  }

  /** Opens the store kept in `dataDir` (created with owner-only permissions if missing). */
  static openInDir(dataDir: string, now?: number): SqliteStore {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    return new SqliteStore(join(dataDir, SQLITE_FILE_NAME), now);
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return sql(this.db, "SELECT 1 AS ok").get() !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The worker's connection first: the last connection to close checkpoints and removes the WAL.
    await this.checkpointer?.stop();
    this.db.close();
  }

  async getOrCreateMeta(key: string, create: () => string): Promise<string> {
    const read = () => (sql(this.db, "SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
    const existing = read();
    if (existing !== undefined) return existing;
    sql(this.db, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING").run(key, create());
    return read()!;
  }

  async createUser(user: UserRecord): Promise<{ kind: "ok" } | { kind: "usernameTaken" }> {
    return this.accounts.createUser(user);
  }
  async getUser(username: string): Promise<UserRecord | null> {
    return this.accounts.getUser(username);
  }
  async createSession(session: SessionRecord): Promise<void> {
    this.accounts.createSession(session);
  }
  async getSession(tokenHash: Uint8Array): Promise<SessionRecord | null> {
    return this.accounts.getSession(tokenHash);
  }
  async deleteSession(tokenHash: Uint8Array): Promise<void> {
    this.accounts.deleteSession(tokenHash);
  }
  async registerDevice(device: NewDevice, hash: Uint8Array, max: number): Promise<RegisterDeviceOutcome> {
    return this.accounts.registerDevice(device, hash, max);
  }
  async isDeviceActive(deviceId: string): Promise<boolean> {
    return this.accounts.isDeviceActive(deviceId);
  }
  async getDevice(deviceId: string): Promise<DeviceRecord | null> {
    return this.accounts.getDevice(deviceId);
  }
  async listDevices(username: string): Promise<DeviceRecord[]> {
    return this.accounts.listDevices(username);
  }
  async revokeDevice(deviceId: string, now: number): Promise<RevokeDeviceOutcome> {
    return this.accounts.revokeDevice(deviceId, now);
  }

  async uploadKeyPackages(deviceId: string, oneTime: string[], lastResort: string | null, max: number, now: number) {
    return this.keyPackages.upload(deviceId, oneTime, lastResort, max, now);
  }
  async countKeyPackages(deviceId: string): Promise<KeyPackageCounts> {
    return this.keyPackages.count(deviceId);
  }
  async claimKeyPackages(username: string, exceptDeviceId: string): Promise<ClaimedKeyPackage[]> {
    return this.keyPackages.claim(username, exceptDeviceId);
  }

  async createConversation(input: NewConversation): Promise<CreateConversationOutcome> {
    return this.conversations.create(input);
  }
  async getConversation(conversationId: string): Promise<ConversationRecord | null> {
    return this.conversations.get(conversationId);
  }
  async listMembers(conversationId: string): Promise<MemberRecord[]> {
    return this.conversations.listMembers(conversationId);
  }
  async listConversationsOfUser(username: string): Promise<ConversationRecord[]> {
    return this.conversations.listOfUser(username);
  }
  async appendCommit(input: CommitInput): Promise<CommitOutcome> {
    return this.conversations.appendCommit(input);
  }
  async appendApplication(input: ApplicationInput): Promise<AppendOutcome> {
    return this.appendApplications([input])[0]!;
  }
  appendApplications(inputs: readonly ApplicationInput[]): Promise<AppendOutcome>[] {
    // Queued back to back in one call, so the group commit runs them in this order, each in its
    // own savepoint, in the same transaction.
    return inputs.map((input) => this.hot.run(() => this.conversations.appendApplication(input)));
  }
  async leaveConversation(conversationId: string, username: string, now: number): Promise<LeaveOutcome> {
    return this.conversations.leave(conversationId, username, now);
  }
  async getGroupInfo(conversationId: string): Promise<{ epoch: number; groupInfo: string | null } | null> {
    return this.conversations.groupInfo(conversationId);
  }

  async listDeliveryStates(deviceId: string): Promise<DeliveryState[]> {
    return this.delivery.listStates(deviceId);
  }
  async getDeliveryState(conversationId: string, deviceId: string): Promise<DeliveryState | null> {
    return this.delivery.getState(conversationId, deviceId);
  }
  async readEntries(conversationId: string, afterSeq: number, uptoSeq: number, limit: number): Promise<StoredEntry[]> {
    return readEntries(this.db, conversationId, afterSeq, uptoSeq, limit);
  }
  async ackDelivery(conversationId: string, deviceId: string, seq: number) {
    return this.hot.run(() => this.delivery.ack(conversationId, deviceId, seq));
  }
  async advanceCursor(conversationId: string, deviceId: string, cursor: number): Promise<void> {
    return this.cursors.advance(conversationId, deviceId, cursor);
  }
  async countPending(deviceId: string): Promise<{ entries: number; welcomes: number }> {
    return this.delivery.countPending(deviceId);
  }
  async readWelcomes(deviceId: string, afterSeq: number, limit: number): Promise<WelcomeRecord[]> {
    return this.delivery.readWelcomes(deviceId, afterSeq, limit);
  }
  async ackWelcomes(deviceId: string, seq: number): Promise<void> {
    this.delivery.ackWelcomes(deviceId, seq);
  }

  async sweep(now: number, retentionMs: number): Promise<SweepResult> {
    return sweep(this.db, now, retentionMs);
  }
}
