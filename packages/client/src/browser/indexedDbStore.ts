import { deriveLocalStoreKey, openLocal, randomBytes, sealLocal } from "@parley/crypto";
import { fromBase64, toBase64 } from "@parley/protocol";
import { ClientErrorCode, ParleyError } from "../errors.js";
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
import { RECORDS, committed, deleteDatabase, openDatabase, prefixRange, request } from "./idb.js";
import { decodeRecord, encodeRecord } from "./recordCodec.js";

export interface IndexedDbStoreOptions {
  /** Database name; one per account and origin. */
  name?: string;
  /**
   * Where to keep the per-tab secret that lets a reload reopen the store without the password
   * (the browser's sessionStorage). Without it, every page load needs the password again.
   */
  session?: Pick<Storage, "getItem" | "setItem" | "removeItem">;
}

const SESSION_ITEM = "parley.unlock";
const CHECK = "check";
const UNLOCK = "unlock";
const CHECK_VALUE = "parley local store v1";
const utf8 = new TextEncoder();
const pad = (seq: number) => String(seq).padStart(12, "0");

type Tx = IDBObjectStore;

/**
 * The browser's LocalStore: IndexedDB records, each sealed (XChaCha20-Poly1305) under a key derived
 * from the OPAQUE export key, with the record's key as associated data so values cannot be moved.
 * Record keys hold only random ids and sequence numbers; usernames and contents are inside the
 * sealed values. The store is locked until login unlocks it, or until `resume()` reopens it after
 * a reload with the per-tab secret in sessionStorage (see docs/web.md for what that means).
 */
export class IndexedDbStore implements LocalStore {
  private key: Uint8Array | null = null;

  private constructor(
    private db: IDBDatabase | null,
    private readonly opts: IndexedDbStoreOptions,
  ) {}

  static async open(opts: IndexedDbStoreOptions = {}): Promise<IndexedDbStore> {
    return new IndexedDbStore(await openDatabase(opts.name ?? "parley"), opts);
  }

  /** Removes every local record (history, keys) of this browser. */
  static async wipe(opts: IndexedDbStoreOptions = {}): Promise<void> {
    opts.session?.removeItem(SESSION_ITEM);
    await deleteDatabase(opts.name ?? "parley");
  }

  get unlocked(): boolean {
    return this.key !== null;
  }

  // ---- locking --------------------------------------------------------------------------------

  async unlock(exportKey: Uint8Array, username: string): Promise<void> {
    const key = deriveLocalStoreKey(exportKey, username);
    const check = await this.raw(CHECK);
    if (check) {
      try {
        openLocal(key, check, utf8.encode(CHECK));
      } catch {
        key.fill(0);
        throw new ParleyError(
          ClientErrorCode.IdentityMismatch,
          "this browser holds another account's data; remove it (Remove local data) before logging in as someone else",
        );
      }
    } else {
      await this.putRaw(CHECK, sealLocal(key, utf8.encode(CHECK_VALUE), utf8.encode(CHECK)));
    }
    this.key = key;
    await this.rememberForTab(key);
  }

  /** Reopens the store after a reload from the per-tab secret; false if there is none (or it is stale). */
  async resume(): Promise<boolean> {
    const secret = this.opts.session?.getItem(SESSION_ITEM);
    const wrapped = await this.raw(UNLOCK);
    if (!secret || !wrapped) return false;
    try {
      this.key = openLocal(fromBase64(secret), wrapped, utf8.encode(UNLOCK));
      return true;
    } catch {
      return false;
    }
  }

  /** Forgets the key here and the per-tab secret; the password is needed to open the store again. */
  async lock(): Promise<void> {
    this.opts.session?.removeItem(SESSION_ITEM);
    if (this.db) await this.deleteRaw(UNLOCK);
    this.key?.fill(0);
    this.key = null;
  }

  /**
   * The store key, wrapped under a random per-tab secret: the wrapped key goes to IndexedDB, the
   * secret to sessionStorage, so neither alone opens anything and closing the tab ends it.
   */
  private async rememberForTab(key: Uint8Array): Promise<void> {
    if (!this.opts.session) return;
    const secret = randomBytes(32);
    await this.putRaw(UNLOCK, sealLocal(secret, key, utf8.encode(UNLOCK)));
    this.opts.session.setItem(SESSION_ITEM, toBase64(secret));
    secret.fill(0);
  }

  // ---- records ----------------------------------------------------------------------------------

  private need(): { db: IDBDatabase; key: Uint8Array } {
    if (!this.db) throw new ParleyError(ClientErrorCode.NotLoggedIn, "the local store is closed");
    if (!this.key) throw new ParleyError(ClientErrorCode.NotLoggedIn, "the local store is locked: log in to open it");
    return { db: this.db, key: this.key };
  }

  private seal(id: string, value: unknown): Uint8Array {
    return sealLocal(this.need().key, encodeRecord(value), utf8.encode(id));
  }

  private unseal<T>(id: string, sealed: unknown): T {
    if (!(sealed instanceof Uint8Array)) throw new ParleyError(ClientErrorCode.IdentityMismatch, `local record ${id} is not a sealed value`);
    return decodeRecord<T>(openLocal(this.need().key, sealed, utf8.encode(id)));
  }

  private async raw(id: string): Promise<Uint8Array | undefined> {
    if (!this.db) return undefined;
    const v = (await request(this.db.transaction(RECORDS).objectStore(RECORDS).get(id))) as unknown;
    return v instanceof Uint8Array ? v : undefined;
  }

  private async putRaw(id: string, value: Uint8Array): Promise<void> {
    const tx = this.database().transaction(RECORDS, "readwrite");
    tx.objectStore(RECORDS).put(value, id);
    await committed(tx);
  }

  private async deleteRaw(id: string): Promise<void> {
    const tx = this.database().transaction(RECORDS, "readwrite");
    tx.objectStore(RECORDS).delete(id);
    await committed(tx);
  }

  private database(): IDBDatabase {
    if (!this.db) throw new ParleyError(ClientErrorCode.NotLoggedIn, "the local store is closed");
    return this.db;
  }

  private async get<T>(id: string): Promise<T | undefined> {
    const { db } = this.need();
    const v = (await request(db.transaction(RECORDS).objectStore(RECORDS).get(id))) as unknown;
    return v === undefined ? undefined : this.unseal<T>(id, v);
  }

  /** Runs `body` in one readwrite transaction and waits for it to commit (all or nothing). */
  private async write(body: (s: Tx) => Promise<void> | void): Promise<void> {
    const { db } = this.need();
    const tx = db.transaction(RECORDS, "readwrite");
    const done = committed(tx);
    try {
      await body(tx.objectStore(RECORDS));
    } catch (e) {
      tx.abort();
      await done.catch(() => undefined);
      throw e;
    }
    await done;
  }

  private async getIn<T>(s: Tx, id: string): Promise<T | undefined> {
    const v = (await request(s.get(id))) as unknown;
    return v === undefined ? undefined : this.unseal<T>(id, v);
  }

  private putIn(s: Tx, id: string, value: unknown): void {
    s.put(this.seal(id, value), id);
  }

  /** Values of every record whose key starts with `prefix`, in key order (or reversed, up to limit). */
  private async list<T>(prefix: string, opts: { upper?: string; limit?: number; reverse?: boolean } = {}): Promise<T[]> {
    const { db } = this.need();
    const range = opts.upper ? IDBKeyRange.bound(prefix, opts.upper, false, true) : prefixRange(prefix);
    const s = db.transaction(RECORDS).objectStore(RECORDS);
    const out: T[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = s.openCursor(range, opts.reverse ? "prev" : "next");
      req.onerror = () => reject(req.error ?? new Error("IndexedDB cursor failed"));
      req.onsuccess = () => {
        const cursor = req.result;
        if (!cursor || (opts.limit !== undefined && out.length >= opts.limit)) return resolve();
        try {
          out.push(this.unseal<T>(String(cursor.key), cursor.value));
        } catch (e) {
          return reject(e);
        }
        cursor.continue();
      };
    });
    return out;
  }

  // ---- LocalStore -------------------------------------------------------------------------------

  async getProfile(): Promise<Profile | undefined> {
    return this.key ? this.get<Profile>("profile") : undefined;
  }
  async setProfile(p: Profile): Promise<void> {
    await this.write((s) => this.putIn(s, "profile", p));
  }
  async clearSession(): Promise<void> {
    await this.write(async (s) => {
      const p = await this.getIn<Profile>(s, "profile");
      if (p) this.putIn(s, "profile", { ...p, sessionToken: "" });
    });
  }

  async putKeyPackages(kps: StoredKeyPackage[]): Promise<void> {
    await this.write((s) => kps.forEach((k) => this.putIn(s, `kp/${k.ref}`, k)));
  }
  getKeyPackage(ref: string): Promise<StoredKeyPackage | undefined> {
    return this.get(`kp/${ref}`);
  }
  async deleteKeyPackage(ref: string): Promise<void> {
    await this.write((s) => void s.delete(`kp/${ref}`));
  }

  getConversation(id: string): Promise<StoredConversation | undefined> {
    return this.get(`conv/${id}`);
  }
  listConversations(): Promise<StoredConversation[]> {
    return this.list("conv/");
  }
  async putConversation(c: StoredConversation): Promise<void> {
    await this.write((s) => this.putIn(s, `conv/${c.conversationId}`, c));
  }

  getGroup(conversationId: string): Promise<StoredGroup | undefined> {
    return this.get(`group/${conversationId}`);
  }
  async saveGroup(conversationId: string, state: Uint8Array, epoch: number, processedSeq?: number): Promise<void> {
    await this.write(async (s) => {
      const prev = await this.getIn<StoredGroup>(s, `group/${conversationId}`);
      this.putIn(s, `group/${conversationId}`, { conversationId, state, epoch, processedSeq: processedSeq ?? prev?.processedSeq ?? 0 });
    });
  }
  async applyInbound(c: InboundChange): Promise<void> {
    await this.write(async (s) => {
      if (c.conversation) this.putIn(s, `conv/${c.conversationId}`, c.conversation);
      if (c.message) await this.addIn(s, c.message);
      const id = `group/${c.conversationId}`;
      const prev = await this.getIn<StoredGroup>(s, id);
      if (c.group) {
        this.putIn(s, id, { conversationId: c.conversationId, state: c.group.state, epoch: c.group.epoch, processedSeq: c.processedSeq });
      } else if (prev) {
        this.putIn(s, id, { ...prev, processedSeq: Math.max(prev.processedSeq, c.processedSeq) });
      }
    });
  }

  private async addIn(s: Tx, m: StoredMessage): Promise<boolean> {
    const midKey = `mid/${m.conversationId}/${m.messageId}`;
    if ((await request(s.count(midKey))) > 0) return false;
    if (m.seq > 0 && (await request(s.count(prefixRange(`msg/${m.conversationId}/${pad(m.seq)}/`)))) > 0) return false;
    const msgKey = `msg/${m.conversationId}/${pad(m.seq)}/${m.messageId}`;
    this.putIn(s, msgKey, m);
    this.putIn(s, midKey, msgKey);
    if (m.direction === "in") this.putIn(s, `unseen/${m.conversationId}/${pad(m.seq)}`, msgKey);
    return true;
  }

  async addMessage(m: StoredMessage): Promise<boolean> {
    let added = false;
    await this.write(async (s) => {
      added = await this.addIn(s, m);
    });
    return added;
  }
  async setMessageState(conversationId: string, messageId: string, state: MessageState): Promise<void> {
    await this.write(async (s) => {
      const msgKey = await this.getIn<string>(s, `mid/${conversationId}/${messageId}`);
      const m = msgKey ? await this.getIn<StoredMessage>(s, msgKey) : undefined;
      if (msgKey && m && advancesState(m.state, state)) this.putIn(s, msgKey, { ...m, state });
    });
  }
  async listMessages(conversationId: string, opts: { limit?: number; beforeSeq?: number } = {}): Promise<StoredMessage[]> {
    const prefix = `msg/${conversationId}/`;
    const upper = opts.beforeSeq !== undefined ? prefix + pad(opts.beforeSeq) : undefined;
    const newestFirst = await this.list<StoredMessage>(prefix, { ...(upper ? { upper } : {}), limit: opts.limit ?? 1000, reverse: true });
    return newestFirst.reverse();
  }
  async listUnseen(limit = 1000): Promise<StoredMessage[]> {
    const keys = await this.list<string>("unseen/", { limit });
    const out: StoredMessage[] = [];
    for (const k of keys) {
      const m = await this.get<StoredMessage>(k);
      if (m) out.push(m);
    }
    return out;
  }
  async markSeen(conversationId: string, seqs: number[]): Promise<void> {
    await this.write((s) => seqs.forEach((seq) => s.delete(`unseen/${conversationId}/${pad(seq)}`)));
  }

  /** Pins live in one sealed record, so not even the usernames of contacts show in record keys. */
  private async pins(): Promise<Record<string, Pin>> {
    return (await this.get<Record<string, Pin>>("pins")) ?? {};
  }
  async getPin(username: string): Promise<Pin | undefined> {
    return (await this.pins())[username];
  }
  async putPin(pin: Pin): Promise<void> {
    await this.write(async (s) => {
      const all = (await this.getIn<Record<string, Pin>>(s, "pins")) ?? {};
      this.putIn(s, "pins", { ...all, [pin.username]: pin });
    });
  }
  async listPins(): Promise<Pin[]> {
    return Object.values(await this.pins());
  }

  /** Closes the database; the key is wiped from memory (sessionStorage keeps the tab's secret). */
  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
    this.key?.fill(0);
    this.key = null;
  }
}
