import {
  generateKeyPackage,
  keyPackageIdentity,
  decodeDeviceCredential,
  safetyNumber,
  type MlsSigner,
} from "@parley/crypto";
import {
  ErrorCode,
  fromBase64,
  newConversationId,
  newMessageId,
  toBase64,
  type ConversationInfo,
  type DeviceInfo,
} from "@parley/protocol";
import type { SocketFactory } from "./connection/socket.js";
import { commitWithRetry } from "./conversations/commits.js";
import { Groups, identify, type MemberIdentity } from "./conversations/groups.js";
import { Inbox } from "./conversations/inbox.js";
import { encodeEnvelope, type Envelope } from "./envelope.js";
import { ClientErrorCode, ParleyError, isParleyError } from "./errors.js";
import { Emitter, type ClientEvents } from "./events.js";
import { loginAccount, registerAccount } from "./session/account.js";
import { Pins, lookupVia } from "./session/pins.js";
import { Session, requestIdempotent } from "./session/Session.js";
import type { LocalStore, Profile, StoredConversation, StoredMessage } from "./store/LocalStore.js";
import { sleep } from "./util/mutex.js";

/** How long close() waits for the replies to the acks it sends. */
const CLOSE_ACK_WAIT_MS = 2_000;

/** Resolves when `p` settles or after `ms`, whichever is first, leaving no timer behind. */
function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]).then(
    () => clearTimeout(timer),
    () => clearTimeout(timer),
  );
}

export interface ClientOptions {
  /** WebSocket URL of the server, e.g. ws://127.0.0.1:8448/ws (more than one: tried in turn). */
  serverUrl: string | string[];
  store: LocalStore;
  socketFactory: SocketFactory;
  /** Shown in device lists. */
  deviceName?: string;
  /**
   * The emitter to report on. Pass one to hear events (connection state above all) while
   * open/login/register are still connecting; by default the client makes its own.
   */
  events?: Emitter<ClientEvents>;
  /** One-time key packages kept on the server for this device. */
  keyPackageTarget?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface ConversationSummary {
  conversationId: string;
  kind: "direct" | "group";
  name: string;
  /** For a direct conversation, the other user. */
  peer: string | null;
  members: string[];
  joined: boolean;
  lastSeq: number;
}

const primaryUrl = (u: string | string[]) => (Array.isArray(u) ? u[0]! : u);

/**
 * A Parley client for one device: account and device set-up, the live session with the server,
 * conversations as MLS groups, and an event stream of what happens. Works in Node and browsers;
 * what differs (WebSocket, local store) is passed in.
 */
export class ParleyClient {
  readonly events: Emitter<ClientEvents>;
  private readonly session: Session;
  private readonly groups: Groups;
  private readonly pins: Pins;
  private readonly inbox: Inbox;
  private started = false;
  /** Diagnostics: how often a commit of ours lost its epoch to another member's and was rebuilt. */
  readonly stats = { staleCommits: 0 };
  private readonly background = new Set<Promise<unknown>>();

  private constructor(
    private readonly opts: ClientOptions,
    private profile: Profile,
  ) {
    this.events = opts.events ?? new Emitter<ClientEvents>();
    const store = opts.store;
    this.session = new Session({
      urls: Array.isArray(opts.serverUrl) ? opts.serverUrl : [opts.serverUrl],
      socketFactory: opts.socketFactory,
      token: profile.sessionToken,
      minBackoffMs: opts.minBackoffMs,
      maxBackoffMs: opts.maxBackoffMs,
      onPush: (f) => this.inbox.push(f),
      onOnline: () => this.track(this.afterOnline()),
      onState: (state, detail) => this.events.emit("connection", { state, ...(detail ? { detail } : {}) }),
      onSessionEnded: (code) => this.events.emit("session-ended", { code }),
    });
    this.pins = new Pins(
      store,
      lookupVia((username) => this.session.request("user.lookup", { username })),
      (username) => this.events.emit("key-changed", { username }),
    );
    const signer: MlsSigner = {
      credentialIdentity: profile.credential,
      signaturePublicKey: profile.signaturePublicKey,
      signaturePrivateKey: profile.signaturePrivateKey,
    };
    this.groups = new Groups(store, signer, this.pins.validator());
    this.inbox = new Inbox({
      store,
      groups: this.groups,
      events: this.events,
      me: { username: profile.username, deviceId: profile.deviceId },
      request: {
        ackDelivery: async (conversationId, seq) => {
          await this.session.request("delivery.ack", { conversationId, seq });
        },
        ackWelcome: async (seq) => {
          await this.session.request("welcome.ack", { seq });
        },
        conversationInfo: async (conversationId) => {
          const c = await this.session.request("conversation.get", { conversationId }).catch(() => undefined);
          return c && { kind: c.conversation.kind, name: c.conversation.name, peer: this.peerOf(c.conversation), createdAt: c.conversation.createdAt };
        },
      },
      findKeyPackage: (ref) => store.getKeyPackage(ref),
      keyPackageUsed: async (ref) => {
        const kp = await store.getKeyPackage(ref);
        if (kp && !kp.lastResort) await store.deleteKeyPackage(ref);
        this.track(this.replenishKeyPackages());
      },
      onSystemEvent: (conversationId, deviceIds) => this.track(this.removeDevices(conversationId, deviceIds)),
      onWelcomeFailed: (conversationId) => this.track(this.joinExternally(conversationId)),
    });
  }

  // ---- account lifecycle ---------------------------------------------------------------------

  /** Creates an account and this device, and returns a started client. */
  static async register(opts: ClientOptions, username: string, password: string): Promise<ParleyClient> {
    await ParleyClient.assertProfileFor(opts, username);
    const profile = await registerAccount(ParleyClient.accountOptions(opts), username, password);
    return ParleyClient.startWith(opts, profile);
  }

  /** Logs in (a new device if this profile has never been this account's device). */
  static async login(opts: ClientOptions, username: string, password: string): Promise<ParleyClient> {
    await ParleyClient.assertProfileFor(opts, username);
    const profile = await loginAccount(ParleyClient.accountOptions(opts), username, password);
    return ParleyClient.startWith(opts, profile);
  }

  /** Opens the profile's stored session. Throws NOT_LOGGED_IN if there is none. */
  static async open(opts: Omit<ClientOptions, "serverUrl"> & { serverUrl?: string | string[] }): Promise<ParleyClient> {
    const profile = await opts.store.getProfile();
    if (!profile || !profile.sessionToken) {
      throw new ParleyError(ClientErrorCode.NotLoggedIn, "not logged in: run 'parley login USER' (or 'parley register USER') first");
    }
    return ParleyClient.startWith({ ...opts, serverUrl: opts.serverUrl ?? profile.serverUrls ?? profile.serverUrl }, profile);
  }

  private static async assertProfileFor(opts: ClientOptions, username: string): Promise<void> {
    const existing = await opts.store.getProfile();
    if (existing && (existing.username !== username || existing.serverUrl !== primaryUrl(opts.serverUrl))) {
      throw new ParleyError(
        ClientErrorCode.IdentityMismatch,
        `this profile belongs to ${existing.username} on ${existing.serverUrl}; use another --profile directory`,
      );
    }
  }

  private static accountOptions(opts: ClientOptions) {
    return {
      serverUrl: primaryUrl(opts.serverUrl),
      serverUrls: Array.isArray(opts.serverUrl) ? opts.serverUrl : [opts.serverUrl],
      socketFactory: opts.socketFactory,
      store: opts.store,
      deviceName: opts.deviceName ?? "device",
    };
  }

  private static async startWith(opts: ClientOptions, profile: Profile): Promise<ParleyClient> {
    const client = new ParleyClient(opts, profile);
    await client.start();
    return client;
  }

  get username(): string {
    return this.profile.username;
  }
  get deviceId(): string {
    return this.profile.deviceId;
  }
  get online(): boolean {
    return this.session.isOnline;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.session.start();
    // The first afterOnline (key packages, pending joins) must finish before callers act.
    await this.settle();
  }

  /** Stops the session (the profile stays logged in) and closes the local store it was given. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settle().catch(() => undefined);
    // The acks still waiting for their interval, while the session is up, for a moment at most
    // (offline, a request waits for the link). Not idle(): a frame still in processing may wait on
    // the server (a Welcome asks for its conversation); its ack is simply sent again next time.
    await withTimeout(this.inbox.sendAcks(), CLOSE_ACK_WAIT_MS);
    await this.session.stop();
    await this.inbox.idle();
    await this.opts.store.close();
  }
  private closed = false;

  /** Ends the session on the server and forgets the token here; keys and history stay. */
  async logout(): Promise<void> {
    await this.session.request("session.logout", {}, 5_000).catch(() => undefined);
    await this.opts.store.clearSession();
    await this.close();
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((e: unknown) => {
      if (!isParleyError(e, ClientErrorCode.Disconnected)) {
        this.events.emit("error", { message: (e as Error).message, ...(isParleyError(e) ? { code: e.code } : {}) });
      }
    });
    this.background.add(q);
    void q.finally(() => this.background.delete(q));
  }

  /** Waits for background work (joins, key package uploads, removals) to finish. */
  async settle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  private async afterOnline(): Promise<void> {
    await this.replenishKeyPackages();
    await this.joinPendingConversations();
  }

  // ---- key packages ----------------------------------------------------------------------------

  private async replenishKeyPackages(): Promise<void> {
    const target = this.opts.keyPackageTarget ?? 20;
    const count = await this.session.request("keyPackages.count", {});
    const missing = count.oneTime < target / 2 ? target - count.oneTime : 0;
    if (missing === 0 && count.lastResort) return;
    const signer = this.signer();
    const fresh = [];
    for (let i = 0; i < missing; i++) fresh.push(await generateKeyPackage(signer));
    const lastResort = count.lastResort ? undefined : await generateKeyPackage(signer, { lastResort: true });
    await this.opts.store.putKeyPackages([
      ...fresh.map((k) => ({ ref: k.ref, keyPackage: k.keyPackage, privateState: k.privateState, lastResort: false })),
      ...(lastResort ? [{ ref: lastResort.ref, keyPackage: lastResort.keyPackage, privateState: lastResort.privateState, lastResort: true }] : []),
    ]);
    await this.session.request("keyPackages.upload", {
      keyPackages: fresh.map((k) => toBase64(k.keyPackage)),
      ...(lastResort ? { lastResort: toBase64(lastResort.keyPackage) } : {}),
    });
  }

  private signer(): MlsSigner {
    return {
      credentialIdentity: this.profile.credential,
      signaturePublicKey: this.profile.signaturePublicKey,
      signaturePrivateKey: this.profile.signaturePrivateKey,
    };
  }

  // ---- conversations ------------------------------------------------------------------------

  private peerOf(c: ConversationInfo): string | null {
    if (c.kind !== "direct") return null;
    return c.members.map((m) => m.username).find((u) => u !== this.profile.username) ?? null;
  }

  /** Conversations this account is in, as the server lists them, with local names. */
  async conversations(): Promise<ConversationSummary[]> {
    const { conversations } = await this.session.request("conversation.list", {});
    return conversations.map((c) => ({
      conversationId: c.conversationId,
      kind: c.kind,
      name: c.name,
      peer: this.peerOf(c),
      members: c.members.map((m) => m.username),
      joined: c.joined,
      lastSeq: c.lastSeq,
    }));
  }

  /** Joins, by external commit, every conversation of this account that this device is not in yet. */
  async joinPendingConversations(): Promise<void> {
    const { conversations } = await this.session.request("conversation.list", {});
    for (const c of conversations) {
      if (c.joined || (await this.opts.store.getGroup(c.conversationId))) continue;
      await this.joinExternally(c.conversationId);
    }
  }

  private async joinExternally(conversationId: string): Promise<void> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const joined = await this.groups.with(conversationId, async (existing) => {
        if (existing) return true;
        const gi = await this.session.request("conversation.groupInfo", { conversationId });
        const { group, commit, groupInfo } = await this.groups.joinExternal(fromBase64(gi.groupInfo));
        try {
          const res = await requestIdempotent(this.session, "conversation.externalJoin", {
            conversationId,
            epoch: gi.epoch,
            messageId: newMessageId(),
            commit: toBase64(commit),
            groupInfo: toBase64(groupInfo),
          });
          const info = await this.session.request("conversation.get", { conversationId });
          await this.opts.store.applyInbound({
            conversationId,
            processedSeq: res.seq,
            group: { state: group.serialize(), epoch: group.epoch },
            conversation: this.toStored(info.conversation),
          });
          this.groups.adopt(conversationId, group);
          this.events.emit("joined", { conversationId, kind: info.conversation.kind, name: info.conversation.name, by: null });
          return true;
        } catch (e) {
          if (isParleyError(e, ErrorCode.StaleEpoch)) return false;
          throw e;
        }
      });
      if (joined) {
        this.inbox.replayLater(conversationId);
        return;
      }
      await sleep(50 * (attempt + 1));
    }
    throw new ParleyError(ClientErrorCode.CommitConflict, `could not join conversation ${conversationId}: it kept changing`);
  }

  private toStored(c: ConversationInfo): StoredConversation {
    return { conversationId: c.conversationId, kind: c.kind, name: c.name, peer: this.peerOf(c), createdAt: c.createdAt };
  }

  /** Claims one key package per device of `username` (other than ours) and checks each belongs to it. */
  private async claimKeyPackages(username: string): Promise<Array<{ deviceId: string; keyPackage: Uint8Array }>> {
    const { keyPackages } = await this.session.request("keyPackages.claim", { username });
    const out = [];
    for (const k of keyPackages) {
      const kp = fromBase64(k.keyPackage);
      let cred;
      try {
        cred = decodeDeviceCredential(keyPackageIdentity(kp).credentialIdentity);
      } catch {
        this.events.emit("security", { conversationId: "", message: `a malformed key package was handed out for ${username}; skipped` });
        continue;
      }
      if (cred.username !== username || cred.deviceId !== k.deviceId) {
        this.events.emit("security", { conversationId: "", message: `a key package for ${username} named another device; skipped` });
        continue;
      }
      out.push({ deviceId: k.deviceId, keyPackage: kp });
    }
    return out;
  }

  /** Looks up a user, pins their account key on first use, and refuses if it changed. */
  private async checkUser(username: string): Promise<void> {
    const info = await this.session.request("user.lookup", { username });
    await this.pins.observe(username, fromBase64(info.identityKey));
    await this.pins.assertUnchanged([username]);
  }

  /**
   * Asks the server for a contact's current account key and compares it with the pinned one (a UI
   * calls this when a conversation opens): a change fires "key-changed" and blocks sending to them.
   */
  async refreshContactKey(username: string): Promise<{ changed: boolean }> {
    const info = await this.session.request("user.lookup", { username });
    const pin = await this.pins.observe(username, fromBase64(info.identityKey));
    return { changed: pin.changedKey !== null };
  }

  private commit(conversationId: string, build: Parameters<typeof commitWithRetry>[3]) {
    return commitWithRetry(this.session, this.groups, conversationId, build, () => this.stats.staleCommits++);
  }

  /** Adds every device of these users (and our other devices, if absent) in one commit. */
  private async addUsers(conversationId: string, usernames: string[]): Promise<void> {
    for (const u of usernames) await this.checkUser(u);
    const claimed: Array<{ deviceId: string; keyPackage: Uint8Array }> = [];
    for (const u of new Set([...usernames, this.profile.username])) claimed.push(...(await this.claimKeyPackages(u)));
    for (const u of usernames) {
      if (u !== this.profile.username && !claimed.length) throw new ParleyError(ClientErrorCode.NoDevices, `${u} has no device that can be added`);
    }
    await this.commit(conversationId, async (group) => {
      const present = new Set(group.members().map((m) => identify(m)?.deviceId));
      const fresh = claimed.filter((c) => !present.has(c.deviceId));
      if (!fresh.length) return undefined;
      const pending = await group.commitAdd(fresh.map((c) => c.keyPackage));
      return { pending, add: fresh.map((c) => c.deviceId), remove: [] };
    });
  }

  /** The 1:1 conversation with `username`, created (with all their devices) on first use. */
  async ensureDirect(username: string): Promise<string> {
    if (username === this.profile.username) throw new ParleyError(ErrorCode.Forbidden, "a direct conversation needs another user");
    await this.checkUser(username);
    const existing = (await this.conversations()).find((c) => c.kind === "direct" && c.peer === username);
    if (existing) {
      if (!existing.joined && !(await this.opts.store.getGroup(existing.conversationId))) await this.joinExternally(existing.conversationId);
      return existing.conversationId;
    }
    try {
      return await this.createConversation("direct", "", [username], username);
    } catch (e) {
      if (isParleyError(e, ErrorCode.ConversationExists)) {
        const id = String(e.details?.conversationId ?? "");
        if (!(await this.opts.store.getGroup(id))) await this.joinExternally(id);
        return id;
      }
      throw e;
    }
  }

  /** Creates a group conversation with these users. */
  async createGroup(name: string, usernames: string[]): Promise<string> {
    return this.createConversation("group", name, usernames.filter((u) => u !== this.profile.username));
  }

  private async createConversation(kind: "direct" | "group", name: string, usernames: string[], peer?: string): Promise<string> {
    for (const u of usernames) await this.checkUser(u);
    const conversationId = newConversationId();
    const group = await this.groups.create(conversationId);
    const res = await this.session.request("conversation.create", {
      conversationId,
      kind,
      // So this account's other devices can join by external commit before the first commit lands.
      groupInfo: toBase64(await group.groupInfo()),
      ...(name ? { name } : {}),
      ...(peer ? { peer } : {}),
    });
    await this.opts.store.applyInbound({
      conversationId,
      processedSeq: 0,
      group: { state: group.serialize(), epoch: group.epoch },
      conversation: this.toStored(res.conversation),
    });
    this.groups.adopt(conversationId, group);
    await this.addUsers(conversationId, usernames);
    return conversationId;
  }

  async addMember(conversationId: string, username: string): Promise<void> {
    await this.addUsers(conversationId, [username]);
  }

  /** Removes every device of `username` from the conversation. */
  async removeMember(conversationId: string, username: string): Promise<void> {
    await this.commit(conversationId, async (group) => {
      const leaves = group.members().map(identify).filter((m): m is MemberIdentity => !!m && m.username === username);
      if (!leaves.length) return undefined;
      const pending = await group.commitRemove(leaves.map((m) => m.leafIndex));
      return { pending, add: [], remove: leaves.map((m) => m.deviceId) };
    });
  }

  /** Commits the removal of these devices' leaves, if they are still in the group (after leave/revoke). */
  private async removeDevices(conversationId: string, deviceIds: string[]): Promise<void> {
    if (deviceIds.includes(this.profile.deviceId)) return;
    // Spread members' reactions a little so they don't all race for the same epoch.
    await sleep(Math.random() * 200);
    const stillMember = await this.groups.with(conversationId, async (g) => !!g && g.members().some((m) => identify(m)?.deviceId === this.profile.deviceId));
    if (!stillMember) return;
    await this.commit(conversationId, async (group) => {
      const leaves = group.members().map(identify).filter((m): m is MemberIdentity => !!m && deviceIds.includes(m.deviceId));
      if (!leaves.length) return undefined;
      const pending = await group.commitRemove(leaves.map((m) => m.leafIndex));
      return { pending, add: [], remove: leaves.map((m) => m.deviceId) };
    }).catch((e: unknown) => {
      if (isParleyError(e, ErrorCode.NotMember) || isParleyError(e, ClientErrorCode.NotJoined)) return undefined;
      throw e;
    });
  }

  /** Leaves a conversation: the server stops routing to us at once; members commit our removal. */
  async leave(conversationId: string): Promise<void> {
    await this.session.request("conversation.leave", { conversationId });
    this.groups.forget(conversationId);
    this.events.emit("removed", { conversationId });
  }

  /** Usernames in the local MLS group (what this device can cryptographically vouch for). */
  async members(conversationId: string): Promise<MemberIdentity[]> {
    return this.groups.withJoined(conversationId, async (g) => g.members().map(identify).filter((m): m is MemberIdentity => !!m));
  }

  // ---- messages ---------------------------------------------------------------------------------

  /** Encrypts and sends an envelope; returns its message id and sequence number. */
  async send(conversationId: string, envelope: Envelope): Promise<{ messageId: string; seq: number }> {
    const messageId = newMessageId();
    const plaintext = encodeEnvelope(envelope);
    return this.groups.withJoined(conversationId, async (group) => {
      if (!group.isActive) throw new ParleyError(ErrorCode.NotMember, "you are no longer a member of this conversation");
      const users = new Set(group.members().map((m) => identify(m)?.username).filter((u): u is string => !!u));
      await this.pins.assertUnchanged(users);
      const ciphertext = await group.encrypt(plaintext);
      // Saved before sending: a crash after the send must not reuse a ratchet generation.
      await this.groups.save(conversationId, group);
      const res = await requestIdempotent(this.session, "message.send", {
        conversationId,
        epoch: group.epoch,
        messageId,
        ciphertext: toBase64(ciphertext),
      });
      if (envelope.kind !== "typing" && envelope.kind !== "receipt") {
        const stored: StoredMessage = {
          conversationId,
          seq: res.seq,
          messageId,
          senderUser: this.profile.username,
          senderDevice: this.profile.deviceId,
          sentAt: Date.now(),
          direction: "out",
          state: "sent",
          envelope,
        };
        await this.opts.store.addMessage(stored);
        this.events.emit("message", {
          conversationId,
          seq: res.seq,
          messageId,
          sender: { username: this.profile.username, deviceId: this.profile.deviceId },
          sentAt: stored.sentAt,
          envelope,
          direction: "out",
        });
      }
      return { messageId, seq: res.seq };
    });
  }

  sendText(conversationId: string, text: string): Promise<{ messageId: string; seq: number }> {
    return this.send(conversationId, { v: 1, kind: "text", text });
  }

  /** Tells the other members these messages were read (inside MLS: the server cannot see it). */
  async markRead(conversationId: string, messageIds: string[]): Promise<void> {
    if (messageIds.length) await this.send(conversationId, { v: 1, kind: "receipt", targets: messageIds, state: "read" });
  }

  async setTyping(conversationId: string, active: boolean): Promise<void> {
    await this.send(conversationId, { v: 1, kind: "typing", active });
  }

  /** The newest `limit` stored messages, oldest first; with `beforeSeq`, the ones before it (paging back). */
  history(conversationId: string, limit = 100, beforeSeq?: number): Promise<StoredMessage[]> {
    return this.opts.store.listMessages(conversationId, { limit, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
  }

  /** Incoming messages not yet shown to the user, oldest first per conversation. */
  unseen(limit = 1000): Promise<StoredMessage[]> {
    return this.opts.store.listUnseen(limit);
  }

  async markSeen(messages: StoredMessage[]): Promise<void> {
    const byConversation = new Map<string, number[]>();
    for (const m of messages) byConversation.set(m.conversationId, [...(byConversation.get(m.conversationId) ?? []), m.seq]);
    for (const [id, seqs] of byConversation) await this.opts.store.markSeen(id, seqs);
  }

  /**
   * Resolves once everything the server holds for this device has been processed and acked
   * (or rejects after timeoutMs).
   */
  async waitUntilCaughtUp(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.inbox.idle();
      await this.settle();
      const p = await this.session.request("delivery.pending", {});
      if (p.entries === 0 && p.welcomes === 0) {
        await this.inbox.idle();
        return;
      }
      if (Date.now() > deadline) throw new ParleyError(ClientErrorCode.Timeout, `still ${p.entries} entries and ${p.welcomes} welcomes pending`);
      await sleep(50);
    }
  }

  /** Finds a conversation by id, by name, or (for a username) the direct one, creating it if asked. */
  async resolveTarget(target: string, opts: { createDirect?: boolean } = {}): Promise<string> {
    const list = await this.conversations();
    const byId = list.find((c) => c.conversationId === target);
    if (byId) return byId.conversationId;
    const byName = list.filter((c) => c.kind === "group" && c.name === target);
    if (byName.length === 1) return byName[0]!.conversationId;
    if (byName.length > 1) throw new ParleyError(ClientErrorCode.NoSuchConversation, `several conversations are named ${target}; use its id`);
    const direct = list.find((c) => c.kind === "direct" && c.peer === target);
    if (direct) {
      if (!direct.joined && !(await this.opts.store.getGroup(direct.conversationId))) await this.joinExternally(direct.conversationId);
      return direct.conversationId;
    }
    if (opts.createDirect && /^[a-z0-9][a-z0-9_.-]{1,31}$/.test(target)) {
      try {
        return await this.ensureDirect(target);
      } catch (e) {
        if (isParleyError(e, ErrorCode.UserNotFound)) throw new ParleyError(ClientErrorCode.NoSuchConversation, `no user or conversation named ${target}`);
        throw e;
      }
    }
    throw new ParleyError(ClientErrorCode.NoSuchConversation, `no conversation ${target}`);
  }

  // ---- devices and trust --------------------------------------------------------------------------

  async devices(): Promise<Array<DeviceInfo & { current: boolean }>> {
    const { devices } = await this.session.request("device.list", {});
    return devices.map((d) => ({ ...d, current: d.deviceId === this.profile.deviceId }));
  }

  /** Revokes one of this account's devices; the server tells members, who remove its leaves. */
  async revokeDevice(deviceId: string): Promise<void> {
    await this.session.request("device.revoke", { deviceId });
  }

  /** The safety number between us and `username`, from our pinned copy of their key. */
  async safetyNumber(username: string): Promise<{ digits: string; groups: string[]; qrPayload: string; verified: boolean; changed: boolean }> {
    await this.pins.accountKeyOf(username);
    const pin = await this.pins.get(username);
    if (!pin) throw new ParleyError(ErrorCode.UserNotFound, `no such user ${username}`);
    const sn = safetyNumber(
      { username: this.profile.username, accountKey: this.profile.accountPublicKey },
      { username, accountKey: pin.accountKey },
    );
    return { ...sn, verified: pin.verified, changed: pin.changedKey !== null };
  }

  /** Marks a contact verified (after comparing safety numbers in person). */
  markVerified(username: string, verified = true): Promise<void> {
    return this.pins.setVerified(username, verified);
  }

  /** Accepts a contact's changed account key (sending to them is blocked until then). */
  acceptKeyChange(username: string): Promise<void> {
    return this.pins.accept(username);
  }

  /** The local conversation record (names, kinds), if this device has one. */
  localConversation(conversationId: string): Promise<StoredConversation | undefined> {
    return this.opts.store.getConversation(conversationId);
  }
}
