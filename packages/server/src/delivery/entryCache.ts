import type { StoredEntry } from "../store/Store.js";

/**
 * Recent log entries of each conversation, already serialized, shared by every Pusher of one
 * server. A message to a room of N devices is then read from the store and turned into JSON once,
 * not N times: in the fan-out profile, per-recipient reads and JSON.stringify were the largest
 * costs after socket writes (docs/performance.md).
 *
 * Safe because log entries never change once appended. Only fresh entries are served (a few
 * seconds old at most), so the retention sweep's deletions are never outlived by a cached copy
 * for long, and a cache miss simply reads the store as before. Bounded in bytes.
 */
export interface CachedEntry {
  seq: number;
  senderDeviceId: string | null;
  sentAt: number;
  /** A commit or system entry: it may change who is a member (see Pusher's trusted states). */
  membership: boolean;
  json: string;
}

/** Entries older than this (by their server append time) are read from the store again. */
const MAX_AGE_MS = 10_000;
/** Per conversation: enough for a few deliver batches behind the newest entry. */
const MAX_PER_CONVERSATION = 512;
const MAX_TOTAL_BYTES = 32 * 1024 * 1024;

/** One conversation's cached entries by seq (insertion order is about seq order). */
interface Held {
  bySeq: Map<number, CachedEntry>;
  newest: number;
}

export class EntryCache {
  private readonly byConversation = new Map<string, Held>();
  private bytes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Cached entries with afterSeq < seq <= uptoSeq, from afterSeq + 1 on without gaps, at most
   * `limit`: the run stops at the first seq not held (empty on a miss), and the caller reads the
   * rest from the store.
   */
  range(conversationId: string, afterSeq: number, uptoSeq: number, limit: number): CachedEntry[] {
    const held = this.byConversation.get(conversationId);
    if (held === undefined) return [];
    const oldest = this.now() - MAX_AGE_MS;
    const out: CachedEntry[] = [];
    for (let seq = afterSeq + 1; seq <= uptoSeq && out.length < limit; seq++) {
      const e = held.bySeq.get(seq);
      if (e === undefined || e.sentAt < oldest) break;
      out.push(e);
    }
    return out;
  }

  /** Serializes entries just read from the store, keeps them, and returns them. */
  add(conversationId: string, entries: StoredEntry[]): CachedEntry[] {
    const cached = entries.map((e) => ({
      seq: e.entry.seq,
      senderDeviceId: e.senderDeviceId,
      sentAt: e.entry.sentAt,
      membership: e.entry.kind !== "application",
      json: JSON.stringify(e.entry),
    }));
    this.keep(conversationId, cached);
    return cached;
  }

  /**
   * Keeps entries, in any order: with several server processes, another process's append (sent
   * along with its bus event) can arrive after a later one made here. Entries already held, and
   * entries more than MAX_PER_CONVERSATION below the newest, are ignored.
   */
  keep(conversationId: string, cached: CachedEntry[]): void {
    if (cached.length === 0) return;
    let held = this.byConversation.get(conversationId);
    if (held === undefined) {
      held = { bySeq: new Map(), newest: 0 };
      this.byConversation.set(conversationId, held);
    }
    for (const c of cached) {
      if (held.bySeq.has(c.seq) || c.seq <= held.newest - MAX_PER_CONVERSATION) continue;
      held.bySeq.set(c.seq, c);
      this.bytes += c.json.length;
      if (c.seq > held.newest) held.newest = c.seq;
    }
    this.evict(held);
    // Over budget: forget whole conversations, least recently started first.
    for (const id of this.byConversation.keys()) {
      if (this.bytes <= MAX_TOTAL_BYTES) break;
      if (id !== conversationId) this.drop(id);
    }
  }

  /** Drops, from the oldest inserted, entries too far below the newest or too old to serve. */
  private evict(held: Held): void {
    const floor = held.newest - MAX_PER_CONVERSATION;
    const oldest = this.now() - MAX_AGE_MS;
    for (const [seq, e] of held.bySeq) {
      // A late arrival can sit behind newer entries: the hard bound keeps the map small anyway.
      if (seq > floor && e.sentAt >= oldest && held.bySeq.size <= 2 * MAX_PER_CONVERSATION) break;
      held.bySeq.delete(seq);
      this.bytes -= e.json.length;
    }
  }

  private drop(conversationId: string): void {
    for (const c of this.byConversation.get(conversationId)?.bySeq.values() ?? []) this.bytes -= c.json.length;
    this.byConversation.delete(conversationId);
  }
}

const caches = new WeakMap<object, EntryCache>();

/** The cache shared by every Pusher reading from `store` in this process. */
export function entryCacheFor(store: object): EntryCache {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new EntryCache();
    caches.set(store, cache);
  }
  return cache;
}
