import { MlsError } from "@parley/crypto";
import { ACK_INTERVAL_MS, fromBase64, type DeliverFrame, type LogEntry, type PushFrame, type WelcomeFrame } from "@parley/protocol";
import { decodeEnvelope, type Envelope } from "../envelope.js";
import type { ClientEvents, Emitter } from "../events.js";
import type { LocalStore, StoredConversation } from "../store/LocalStore.js";
import { SerialQueue } from "../util/mutex.js";
import { groupIdOf, identify, type Groups, type MemberIdentity } from "./groups.js";
import type { MlsGroup } from "@parley/crypto";

export interface InboxDeps {
  store: LocalStore;
  groups: Groups;
  events: Emitter<ClientEvents>;
  me: { username: string; deviceId: string };
  request: {
    ackDelivery(conversationId: string, seq: number): Promise<void>;
    ackWelcome(seq: number): Promise<void>;
    conversationInfo(conversationId: string): Promise<{ kind: "direct" | "group"; name: string; peer: string | null; createdAt: number } | undefined>;
  };
  findKeyPackage(ref: string): Promise<{ keyPackage: Uint8Array; privateState: Uint8Array } | undefined>;
  keyPackageUsed(ref: string): Promise<void>;
  /** Membership facts that need a commit from some member (leave, revocation): handled outside the queue. */
  onSystemEvent(conversationId: string, deviceIds: string[]): void;
  /** A Welcome could not be used: join by external commit instead. */
  onWelcomeFailed(conversationId: string): void;
  /** Acks go out at most this often (default ACK_INTERVAL_MS; tests change it). */
  ackIntervalMs?: number;
  /** A monotonic clock in milliseconds (default performance.now; tests move their own). */
  now?: () => number;
}

/**
 * Processes what the server pushes, strictly one frame at a time and in order: decrypts, updates
 * MLS state, persists (message + state + processed sequence number in one local transaction), and
 * only then acknowledges. A redelivered entry (crash before the ack) is recognised by its sequence
 * number and only acknowledged again, so every message is shown exactly once.
 *
 * Acks are cumulative (an ack of seq n covers everything before it), so the inbox sends one per
 * conversation, the highest seq processed, once no further frame is waiting, and at most once per
 * ACK_INTERVAL_MS: what is processed sooner after the last acks is acked when the interval ends
 * (even if frames are still waiting then), or at idle(). Processing never waits for an ack's reply.
 */
export class Inbox {
  private readonly queue = new SerialQueue();
  /** Entries for conversations whose Welcome has not been processed yet. */
  private readonly parked = new Map<string, DeliverFrame[]>();
  /** Tasks queued and not finished: acks go out when it falls to zero. */
  private waiting = 0;
  /** Per conversation, the highest seq processed (and persisted) but not acked yet. */
  private readonly unacked = new Map<string, number>();
  private lastAckAt = -Infinity;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly d: InboxDeps) {}

  private now(): number {
    return this.d.now ? this.d.now() : performance.now();
  }

  push(frame: PushFrame): void {
    this.enqueue(async () => {
      try {
        if (frame.type === "welcome") await this.welcome(frame);
        else await this.deliver(frame);
      } catch (e) {
        this.d.events.emit("error", { message: `processing ${frame.type}: ${(e as Error).message}` });
      }
    });
  }

  private enqueue(task: () => Promise<void>): void {
    this.waiting++;
    void this.queue.push(async () => {
      try {
        await task();
      } finally {
        if (--this.waiting === 0) this.scheduleAcks();
      }
    });
  }

  /** Acks now if the last ones went out an interval ago, else when the interval ends. */
  private scheduleAcks(): void {
    if (this.unacked.size === 0 || this.ackTimer !== null) return;
    // A monotonic clock: a wall clock set back would hold the acks for as long as the jump.
    const wait = this.lastAckAt + (this.d.ackIntervalMs ?? ACK_INTERVAL_MS) - this.now();
    if (wait <= 0) {
      void this.sendAcks();
      return;
    }
    this.ackTimer = setTimeout(() => void this.sendAcks(), wait);
    // A Node process may exit meanwhile: what is not acked is sent again and dropped by seq.
    (this.ackTimer as { unref?: () => void }).unref?.();
  }

  /**
   * Sends the acks of what has been processed so far now, whatever the interval; resolves when
   * their replies have come (or they failed: what is not acked is sent again next time).
   */
  sendAcks(): Promise<void> {
    if (this.ackTimer !== null) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    if (this.unacked.size === 0) return Promise.resolve();
    this.lastAckAt = this.now();
    const sent = [...this.unacked].map(([conversationId, seq]) => this.d.request.ackDelivery(conversationId, seq).catch(() => undefined));
    this.unacked.clear();
    return Promise.all(sent).then(() => undefined);
  }

  /**
   * Resolves when every frame received so far has been processed, with its acks sent (at once,
   * whatever the interval): a request issued afterwards follows them on the wire.
   */
  async idle(): Promise<void> {
    await this.queue.idle();
    void this.sendAcks();
  }

  private async deliver(frame: DeliverFrame): Promise<void> {
    const id = frame.conversationId;
    const stored = await this.d.store.getGroup(id);
    if (!stored) {
      // Our Welcome is still on its way (or we are joining externally): keep the entries, unacked.
      const list = this.parked.get(id) ?? [];
      list.push(frame);
      this.parked.set(id, list);
      return;
    }
    let lastSeq = -1;
    for (const entry of frame.entries) {
      await this.d.groups.with(id, async (group) => {
        const current = await this.d.store.getGroup(id);
        if (!group || !current || entry.seq <= current.processedSeq) return;
        await this.entry(id, group, entry);
      });
      lastSeq = entry.seq;
    }
    if (lastSeq > (this.unacked.get(id) ?? -1)) this.unacked.set(id, lastSeq);
  }

  private async entry(conversationId: string, group: MlsGroup, entry: LogEntry): Promise<void> {
    const { store, events } = this.d;
    if (entry.kind === "system") {
      await store.applyInbound({ conversationId, processedSeq: entry.seq });
      const change = entry.system.event === "left" ? "left" : "device-removed";
      events.emit("membership", {
        conversationId,
        change,
        usernames: [entry.system.username],
        deviceIds: entry.system.deviceIds,
        by: entry.system.username,
      });
      this.d.onSystemEvent(conversationId, entry.system.deviceIds);
      return;
    }
    const before = group.members().map(identify).filter((m): m is MemberIdentity => !!m);
    let processed;
    try {
      processed = await group.process(fromBase64(entry.data));
    } catch (e) {
      const reason = e instanceof MlsError ? e.code : (e as Error).message;
      // The state did not change; record the failure and move on rather than block the log forever.
      await store.applyInbound({
        conversationId,
        processedSeq: entry.seq,
        ...(entry.kind === "application"
          ? {
              message: {
                conversationId,
                seq: entry.seq,
                messageId: entry.messageId,
                senderUser: entry.sender.username,
                senderDevice: entry.sender.deviceId,
                sentAt: entry.sentAt,
                direction: "in" as const,
                state: "received" as const,
                envelope: { v: 0, kind: "unsupported", originalKind: "undecryptable", raw: reason } as Envelope,
              },
            }
          : {}),
      });
      events.emit("undecryptable", { conversationId, seq: entry.seq, reason });
      return;
    }
    const state = { state: group.serialize(), epoch: group.epoch };
    if (processed.kind === "application") {
      const sender = identify(processed.sender);
      const envelope = decodeEnvelope(processed.plaintext);
      const senderUser = sender?.username ?? entry.sender.username;
      const senderDevice = sender?.deviceId ?? entry.sender.deviceId;
      if (sender && (sender.username !== entry.sender.username || sender.deviceId !== entry.sender.deviceId)) {
        events.emit("security", { conversationId, message: `routing header names ${entry.sender.username} but the message is from ${sender.username}` });
      }
      if (envelope.kind === "typing") {
        await store.applyInbound({ conversationId, processedSeq: entry.seq, group: state });
        if (senderUser !== this.d.me.username) events.emit("typing", { conversationId, username: senderUser, active: envelope.active });
        return;
      }
      if (envelope.kind === "receipt") {
        await store.applyInbound({ conversationId, processedSeq: entry.seq, group: state });
        for (const target of envelope.targets) {
          await store.setMessageState(conversationId, target, envelope.state);
          events.emit("message-state", { conversationId, messageId: target, state: envelope.state, by: senderUser });
        }
        return;
      }
      const fromMe = senderUser === this.d.me.username;
      await store.applyInbound({
        conversationId,
        processedSeq: entry.seq,
        group: state,
        message: {
          conversationId,
          seq: entry.seq,
          messageId: entry.messageId,
          senderUser,
          senderDevice,
          sentAt: entry.sentAt,
          direction: fromMe ? "out" : "in",
          state: fromMe ? "sent" : "received",
          envelope,
        },
      });
      events.emit("message", {
        conversationId,
        seq: entry.seq,
        messageId: entry.messageId,
        sender: { username: senderUser, deviceId: senderDevice },
        sentAt: entry.sentAt,
        envelope,
        direction: fromMe ? "out" : "in",
      });
      return;
    }
    if (processed.kind === "proposal") {
      await store.applyInbound({ conversationId, processedSeq: entry.seq, group: state });
      return;
    }
    // A commit: membership may have changed.
    const after = group.members().map(identify).filter((m): m is MemberIdentity => !!m);
    const stillIn = after.some((m) => m.deviceId === this.d.me.deviceId);
    await store.applyInbound({ conversationId, processedSeq: entry.seq, group: state });
    this.d.groups.notifyEpoch(conversationId, group.epoch);
    const by = processed.sender ? (identify(processed.sender)?.username ?? null) : null;
    const beforeUsers = new Set(before.map((m) => m.username));
    const afterUsers = new Set(after.map((m) => m.username));
    const beforeDevices = new Set(before.map((m) => m.deviceId));
    const afterDevices = new Set(after.map((m) => m.deviceId));
    const addedUsers = [...afterUsers].filter((u) => !beforeUsers.has(u));
    const removedUsers = [...beforeUsers].filter((u) => !afterUsers.has(u));
    const newDevices = after.filter((m) => !beforeDevices.has(m.deviceId) && beforeUsers.has(m.username));
    const goneDevices = before.filter((m) => !afterDevices.has(m.deviceId) && afterUsers.has(m.username));
    if (processed.external) {
      const joiner = newDevices[0] ?? after.find((m) => !beforeDevices.has(m.deviceId));
      if (joiner && !beforeUsers.has(joiner.username)) {
        events.emit("security", {
          conversationId,
          message: `${joiner.username} joined by external commit without being a member: treat this conversation as compromised`,
        });
      }
    }
    if (addedUsers.length) events.emit("membership", { conversationId, change: "added", usernames: addedUsers, deviceIds: after.filter((m) => addedUsers.includes(m.username)).map((m) => m.deviceId), by });
    if (removedUsers.length) events.emit("membership", { conversationId, change: "removed", usernames: removedUsers, deviceIds: before.filter((m) => removedUsers.includes(m.username)).map((m) => m.deviceId), by });
    if (newDevices.length) events.emit("membership", { conversationId, change: "device-added", usernames: [...new Set(newDevices.map((m) => m.username))], deviceIds: newDevices.map((m) => m.deviceId), by });
    if (goneDevices.length) events.emit("membership", { conversationId, change: "device-removed", usernames: [...new Set(goneDevices.map((m) => m.username))], deviceIds: goneDevices.map((m) => m.deviceId), by });
    if (!stillIn) {
      this.d.groups.forget(conversationId);
      events.emit("removed", { conversationId });
    }
  }

  private async welcome(frame: WelcomeFrame): Promise<void> {
    const { store, groups, events } = this.d;
    const id = frame.conversationId;
    const existing = await store.getGroup(id);
    if (existing) {
      // Still a member: a duplicate or stale Welcome. Removed earlier and now added back: the
      // Welcome starts a new membership, and its state replaces the dead one below.
      const stillMember = await groups.with(id, async (g) => !g || g.isActive);
      if (stillMember) {
        await this.d.request.ackWelcome(frame.seq).catch(() => undefined);
        return;
      }
    }
    let joined: { group: MlsGroup; usedRef: string };
    try {
      joined = await groups.joinFromWelcome(fromBase64(frame.data), (ref) => this.d.findKeyPackage(ref));
    } catch (e) {
      events.emit("error", { message: `could not use the Welcome to ${id} (${(e as Error).message}); joining by external commit` });
      await this.d.request.ackWelcome(frame.seq).catch(() => undefined);
      this.d.onWelcomeFailed(id);
      return;
    }
    if (!bytesEqual(joined.group.groupId, groupIdOf(id))) {
      events.emit("security", { conversationId: id, message: "a Welcome named a different group than its conversation; ignored" });
      await this.d.request.ackWelcome(frame.seq).catch(() => undefined);
      return;
    }
    const info = await this.d.request.conversationInfo(id);
    const conversation: StoredConversation = {
      conversationId: id,
      kind: info?.kind ?? "group",
      name: info?.name ?? "",
      peer: info?.peer ?? null,
      createdAt: info?.createdAt ?? frame.sentAt,
    };
    await store.applyInbound({
      conversationId: id,
      processedSeq: frame.commitSeq,
      group: { state: joined.group.serialize(), epoch: joined.group.epoch },
      conversation,
    });
    groups.adopt(id, joined.group);
    await this.d.keyPackageUsed(joined.usedRef);
    await this.d.request.ackWelcome(frame.seq).catch(() => undefined);
    events.emit("joined", { conversationId: id, kind: conversation.kind, name: conversation.name, by: frame.sender.username });
    await this.replayParked(id);
  }

  /** After joining, processes entries that arrived before the group existed. */
  async replayParked(conversationId: string): Promise<void> {
    const frames = this.parked.get(conversationId);
    this.parked.delete(conversationId);
    for (const f of frames ?? []) await this.deliver(f);
  }

  /** Queues a replay (used after an external join, which happens outside the queue). */
  replayLater(conversationId: string): void {
    this.enqueue(() => this.replayParked(conversationId));
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
