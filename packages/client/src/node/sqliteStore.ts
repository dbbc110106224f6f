import Database from "better-sqlite3";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Envelope } from "../envelope.js";
import { advancesState } from "../store/LocalStore.js";
import type {
  InboundChange,
  LocalStore,
  MessageState,
  Pin,
  Profile,
  StoredConversation,
  StoredGroup,
  StoredKeyPackage,
  StoredMessage,
} from "../store/LocalStore.js";

const MIGRATIONS: string[] = [
  `CREATE TABLE profile (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);
   CREATE TABLE key_packages (ref TEXT PRIMARY KEY, key_package BLOB NOT NULL, private_state BLOB NOT NULL, last_resort INTEGER NOT NULL);
   CREATE TABLE conversations (id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, peer TEXT, created_at INTEGER NOT NULL);
   CREATE TABLE groups (conversation_id TEXT PRIMARY KEY, state BLOB NOT NULL, epoch INTEGER NOT NULL, processed_seq INTEGER NOT NULL);
   CREATE TABLE messages (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, message_id TEXT NOT NULL,
     sender_user TEXT NOT NULL, sender_device TEXT NOT NULL, sent_at INTEGER NOT NULL, direction TEXT NOT NULL,
     state TEXT NOT NULL, envelope TEXT NOT NULL, PRIMARY KEY (conversation_id, seq));
   CREATE UNIQUE INDEX messages_id ON messages (conversation_id, message_id);
   CREATE TABLE seen (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (conversation_id, seq));
   CREATE TABLE pins (username TEXT PRIMARY KEY, account_key BLOB NOT NULL, verified INTEGER NOT NULL, changed_key BLOB, first_seen INTEGER NOT NULL);`,
];

interface ProfileJson {
  serverUrl: string;
  serverUrls?: string[];
  username: string;
  deviceId: string;
  deviceName: string;
  sessionToken: string;
  accountPublicKey: string;
  accountPrivateKey: string;
  signaturePublicKey: string;
  signaturePrivateKey: string;
  credential: string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const bytes = (b: Buffer | Uint8Array) => new Uint8Array(b);

/**
 * The Node client's LocalStore: one SQLite file (WAL) in the profile directory, readable by the
 * owner only. It holds the device's private keys and MLS states, so the directory is created 0700.
 */
export class SqliteLocalStore implements LocalStore {
  private readonly db: Database.Database;

  constructor(profileDir: string) {
    mkdirSync(profileDir, { recursive: true, mode: 0o700 });
    const file = join(profileDir, "parley.db");
    this.db = new Database(file);
    chmodSync(file, 0o600);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    this.migrate();
  }

  private migrate(): void {
    const version = this.db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async getProfile(): Promise<Profile | undefined> {
    const row = this.db.prepare("SELECT json FROM profile WHERE id = 1").get() as { json: string } | undefined;
    if (!row) return undefined;
    const p = JSON.parse(row.json) as ProfileJson;
    return {
      ...p,
      accountPublicKey: unhex(p.accountPublicKey),
      accountPrivateKey: unhex(p.accountPrivateKey),
      signaturePublicKey: unhex(p.signaturePublicKey),
      signaturePrivateKey: unhex(p.signaturePrivateKey),
      credential: unhex(p.credential),
    };
  }
  async setProfile(p: Profile): Promise<void> {
    const json: ProfileJson = {
      ...p,
      accountPublicKey: hex(p.accountPublicKey),
      accountPrivateKey: hex(p.accountPrivateKey),
      signaturePublicKey: hex(p.signaturePublicKey),
      signaturePrivateKey: hex(p.signaturePrivateKey),
      credential: hex(p.credential),
    };
    this.db.prepare("INSERT INTO profile (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json").run(JSON.stringify(json));
  }
  async clearSession(): Promise<void> {
    const p = await this.getProfile();
    if (p) await this.setProfile({ ...p, sessionToken: "" });
  }

  async putKeyPackages(kps: StoredKeyPackage[]): Promise<void> {
    const stmt = this.db.prepare("INSERT OR REPLACE INTO key_packages (ref, key_package, private_state, last_resort) VALUES (?, ?, ?, ?)");
    this.db.transaction(() => {
      for (const k of kps) stmt.run(k.ref, k.keyPackage, k.privateState, k.lastResort ? 1 : 0);
    })();
  }
  async getKeyPackage(ref: string): Promise<StoredKeyPackage | undefined> {
    const r = this.db.prepare("SELECT * FROM key_packages WHERE ref = ?").get(ref) as
      | { ref: string; key_package: Buffer; private_state: Buffer; last_resort: number }
      | undefined;
    return r && { ref: r.ref, keyPackage: bytes(r.key_package), privateState: bytes(r.private_state), lastResort: r.last_resort === 1 };
  }
  async deleteKeyPackage(ref: string): Promise<void> {
    this.db.prepare("DELETE FROM key_packages WHERE ref = ?").run(ref);
  }

  async getConversation(id: string): Promise<StoredConversation | undefined> {
    const r = this.db.prepare("SELECT * FROM conversations WHERE id = ?").get(id) as ConvRow | undefined;
    return r && convFromRow(r);
  }
  async listConversations(): Promise<StoredConversation[]> {
    return (this.db.prepare("SELECT * FROM conversations ORDER BY created_at").all() as ConvRow[]).map(convFromRow);
  }
  async putConversation(c: StoredConversation): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO conversations (id, kind, name, peer, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, peer = excluded.peer`,
      )
      .run(c.conversationId, c.kind, c.name, c.peer, c.createdAt);
  }

  async getGroup(id: string): Promise<StoredGroup | undefined> {
    const r = this.db.prepare("SELECT * FROM groups WHERE conversation_id = ?").get(id) as
      | { conversation_id: string; state: Buffer; epoch: number; processed_seq: number }
      | undefined;
    return r && { conversationId: r.conversation_id, state: bytes(r.state), epoch: r.epoch, processedSeq: r.processed_seq };
  }
  async saveGroup(id: string, state: Uint8Array, epoch: number, processedSeq?: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO groups (conversation_id, state, epoch, processed_seq) VALUES (?, ?, ?, ?)
         ON CONFLICT (conversation_id) DO UPDATE SET state = excluded.state, epoch = excluded.epoch,
           processed_seq = CASE WHEN ? IS NULL THEN groups.processed_seq ELSE excluded.processed_seq END`,
      )
      .run(id, state, epoch, processedSeq ?? 0, processedSeq ?? null);
  }
  async applyInbound(c: InboundChange): Promise<void> {
    this.db.transaction(() => {
      if (c.conversation) void this.putConversation(c.conversation);
      if (c.message) this.insertMessage(c.message);
      if (c.group) {
        this.db
          .prepare(
            `INSERT INTO groups (conversation_id, state, epoch, processed_seq) VALUES (?, ?, ?, ?)
             ON CONFLICT (conversation_id) DO UPDATE SET state = excluded.state, epoch = excluded.epoch, processed_seq = excluded.processed_seq`,
          )
          .run(c.conversationId, c.group.state, c.group.epoch, c.processedSeq);
      } else {
        this.db
          .prepare("UPDATE groups SET processed_seq = MAX(processed_seq, ?) WHERE conversation_id = ?")
          .run(c.processedSeq, c.conversationId);
      }
    })();
  }

  private insertMessage(m: StoredMessage): boolean {
    const res = this.db
      .prepare(
        `INSERT OR IGNORE INTO messages (conversation_id, seq, message_id, sender_user, sender_device, sent_at, direction, state, envelope)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(m.conversationId, m.seq, m.messageId, m.senderUser, m.senderDevice, m.sentAt, m.direction, m.state, JSON.stringify(m.envelope));
    return res.changes === 1;
  }
  async addMessage(m: StoredMessage): Promise<boolean> {
    return this.insertMessage(m);
  }
  async setMessageState(conversationId: string, messageId: string, state: MessageState): Promise<void> {
    const row = this.db.prepare("SELECT state FROM messages WHERE conversation_id = ? AND message_id = ?").get(conversationId, messageId) as
      | { state: MessageState }
      | undefined;
    if (!row || !advancesState(row.state, state)) return;
    this.db.prepare("UPDATE messages SET state = ? WHERE conversation_id = ? AND message_id = ?").run(state, conversationId, messageId);
  }
  async listMessages(conversationId: string, opts: { limit?: number; beforeSeq?: number } = {}): Promise<StoredMessage[]> {
    const rows = this.db
      .prepare("SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
      .all(conversationId, opts.beforeSeq ?? Number.MAX_SAFE_INTEGER, opts.limit ?? 1000) as MsgRow[];
    return rows.reverse().map(msgFromRow);
  }

  async listUnseen(limit = 1000): Promise<StoredMessage[]> {
    const rows = this.db
      .prepare(
        `SELECT m.* FROM messages m LEFT JOIN seen s ON s.conversation_id = m.conversation_id AND s.seq = m.seq
         WHERE m.direction = 'in' AND s.seq IS NULL ORDER BY m.conversation_id, m.seq LIMIT ?`,
      )
      .all(limit) as MsgRow[];
    return rows.map(msgFromRow);
  }
  async markSeen(conversationId: string, seqs: number[]): Promise<void> {
    const stmt = this.db.prepare("INSERT OR IGNORE INTO seen (conversation_id, seq) VALUES (?, ?)");
    this.db.transaction(() => {
      for (const s of seqs) stmt.run(conversationId, s);
    })();
  }

  async getPin(username: string): Promise<Pin | undefined> {
    const r = this.db.prepare("SELECT * FROM pins WHERE username = ?").get(username) as PinRow | undefined;
    return r && pinFromRow(r);
  }
  async putPin(p: Pin): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO pins (username, account_key, verified, changed_key, first_seen) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET account_key = excluded.account_key, verified = excluded.verified, changed_key = excluded.changed_key`,
      )
      .run(p.username, p.accountKey, p.verified ? 1 : 0, p.changedKey, p.firstSeen);
  }
  async listPins(): Promise<Pin[]> {
    return (this.db.prepare("SELECT * FROM pins ORDER BY username").all() as PinRow[]).map(pinFromRow);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

interface ConvRow { id: string; kind: string; name: string; peer: string | null; created_at: number }
interface MsgRow {
  conversation_id: string; seq: number; message_id: string; sender_user: string; sender_device: string;
  sent_at: number; direction: string; state: string; envelope: string;
}
interface PinRow { username: string; account_key: Buffer; verified: number; changed_key: Buffer | null; first_seen: number }

const convFromRow = (r: ConvRow): StoredConversation => ({
  conversationId: r.id,
  kind: r.kind as StoredConversation["kind"],
  name: r.name,
  peer: r.peer,
  createdAt: r.created_at,
});
const msgFromRow = (r: MsgRow): StoredMessage => ({
  conversationId: r.conversation_id,
  seq: r.seq,
  messageId: r.message_id,
  senderUser: r.sender_user,
  senderDevice: r.sender_device,
  sentAt: r.sent_at,
  direction: r.direction as StoredMessage["direction"],
  state: r.state as MessageState,
  envelope: JSON.parse(r.envelope) as Envelope,
});
const pinFromRow = (r: PinRow): Pin => ({
  username: r.username,
  accountKey: bytes(r.account_key),
  verified: r.verified === 1,
  changedKey: r.changed_key ? bytes(r.changed_key) : null,
  firstSeen: r.first_seen,
});
