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

export class EntryCache {
  private readonly byConversation = new Map<string, CachedEntry[]>();
  private bytes = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Cached entries with afterSeq < seq <= uptoSeq, from afterSeq + 1 on without gaps, at most `limit`; empty on a miss. */
  range(conversationId: string, afterSeq: number, uptoSeq: number, limit: number): CachedEntry[] {
    const list = this.byConversation.get(conversationId);
    if (list === undefined || list.length === 0) return [];
    const first = afterSeq + 1 - list[0]!.seq;
    if (first < 0 || first >= list.length) return [];
    const oldest = this.now() - MAX_AGE_MS;
    if (list[first]!.sentAt < oldest) return [];
    const end = Math.min(list.length, first + limit, first + (uptoSeq - afterSeq));
    return list.slice(first, end);
  }

  /** Serializes entries just read from the store, keeps them when they extend the cached run, and returns them. */
  add(conversationId: string, entries: StoredEntry[]): CachedEntry[] {
    const cached = entries.map((e) => ({
      seq: e.entry.seq,
      senderDeviceId: e.senderDeviceId,
      sentAt: e.entry.sentAt,
      membership: e.entry.kind !== "application",
      json: JSON.stringify(e.entry),
    }));
    if (cached.length === 0) return cached;
    let list = this.byConversation.get(conversationId);
    if (list !== undefined && list.length > 0 && list[list.length - 1]!.seq + 1 !== cached[0]!.seq) {
      // Not contiguous with what we hold (an older range, or a gap): keep only the newest run.
      if (cached[0]!.seq <= list[list.length - 1]!.seq) return cached;
      this.drop(conversationId);
      list = undefined;
    }
    if (list === undefined) {
      list = [];
      this.byConversation.set(conversationId, list);
    }
    for (const c of cached) {
      list.push(c);
      this.bytes += c.json.length;
    }
    const oldest = this.now() - MAX_AGE_MS;
    while (list.length > MAX_PER_CONVERSATION || (list.length > 0 && list[0]!.sentAt < oldest)) {
      this.bytes -= list.shift()!.json.length;
    }
    // Over budget: forget whole conversations, least recently started first.
    for (const id of this.byConversation.keys()) {
      if (this.bytes <= MAX_TOTAL_BYTES) break;
      if (id !== conversationId) this.drop(id);
    }
    return cached;
  }

  private drop(conversationId: string): void {
    for (const c of this.byConversation.get(conversationId) ?? []) this.bytes -= c.json.length;
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
