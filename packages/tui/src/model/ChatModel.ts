import { isParleyError, type ClientEvents, type ConversationSummary, type StoredMessage } from "@parley/client";
import { envelopeText, advance, fromEvent, fromStored, insert } from "./timeline.js";
import { parseInput } from "./commands.js";
import { TypingTracker } from "./typingTracker.js";
import type { ChatService } from "./service.js";
import type { ChatState, ConversationView, Overlay, TimelineItem, Tone } from "./types.js";

export interface ChatModelOptions {
  /** What the status bar shows for the server. */
  server: string;
  /** Draws a QR code as terminal text. */
  renderQr: (payload: string) => Promise<string>;
  now?: () => number;
  /** Called for /quit. */
  onQuit?: () => void;
  settings?: Partial<ChatState["settings"]>;
}

const USERNAME = /^[a-z0-9][a-z0-9_.-]{1,31}$/;
/** Typing "on" is re-sent at most this often while the user keeps typing. */
const TYPING_REFRESH_MS = 4_000;
/** A user who stops typing for this long is shown as not typing any more. */
const TYPING_IDLE_MS = 5_000;

/**
 * The state of the chat screen and everything the user can do in it, on top of the SDK. It owns
 * no terminal: React components read snapshots (useSyncExternalStore) and call its methods, so
 * the same logic is driven by keys in a terminal and by tests.
 */
export class ChatModel {
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly typing: TypingTracker;
  private readonly now: () => number;
  /** Unseen incoming messages per conversation (what the unread count counts). */
  private readonly unseen = new Map<string, StoredMessage[]>();
  /** Incoming message ids per conversation that we have not sent a read receipt for. */
  private readonly unreadIds = new Map<string, string[]>();
  private readonly deliveredQueue = new Map<string, string[]>();
  private deliveredTimer: ReturnType<typeof setTimeout> | undefined;
  private typingSentAt = 0;
  private typingConversation: string | null = null;
  private typingIdle: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private localSeq = 0;
  private closed = false;

  constructor(
    private readonly svc: ChatService,
    private readonly opts: ChatModelOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.typing = new TypingTracker();
    this.state = {
      me: { username: svc.username, deviceId: svc.deviceId },
      server: opts.server,
      connection: { state: "online", since: this.now() },
      conversations: [],
      activeId: null,
      timelines: {},
      typing: {},
      overlay: null,
      notice: null,
      settings: { typing: true, receipts: true, ...opts.settings },
      verified: [],
      keyChanged: [],
    };
  }

  // ---- store protocol for React ---------------------------------------------------------------

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  getSnapshot = (): ChatState => this.state;

  private set(patch: Partial<ChatState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  // ---- life cycle --------------------------------------------------------------------------------

  /** Loads conversations and history, then follows the client's events. */
  async start(): Promise<void> {
    const ev = this.svc.events;
    this.unsubscribe.push(
      ev.on("message", (m) => this.onMessage(m)),
      ev.on("message-state", (s) => this.onState(s)),
      ev.on("typing", (t) => {
        this.typing.set(t.conversationId, t.username, t.active, this.now());
        this.set({ typing: this.typing.snapshot(this.now()) });
      }),
      ev.on("joined", (j) => {
        this.event(j.conversationId, j.by ? `${j.by} added you` : "you joined", "info");
        void this.refreshConversations();
      }),
      ev.on("membership", (m) => this.onMembership(m)),
      ev.on("removed", ({ conversationId }) => {
        this.event(conversationId, "you are no longer in this conversation", "warn");
        this.patchConversation(conversationId, { closed: true });
      }),
      ev.on("key-changed", ({ username }) => this.onKeyChanged(username)),
      ev.on("undecryptable", (u) => this.event(u.conversationId, `a message (#${u.seq}) could not be decrypted: ${u.reason}`, "danger")),
      ev.on("security", (s) => {
        if (s.conversationId) this.event(s.conversationId, `security warning: ${s.message}`, "danger");
        else this.notify(`security warning: ${s.message}`, "danger");
      }),
      ev.on("connection", ({ state, detail }) => {
        // Once the link is lost, each retry's "connecting" is still the same outage: keep saying so
        // (and why) instead of flickering between "offline" and "connecting".
        const prev = this.state.connection;
        if (state === "connecting" && prev.state === "offline") return;
        this.set({ connection: { state, ...(detail ? { detail } : {}), since: state === prev.state ? prev.since : this.now() } });
        if (state === "online") void this.refreshConversations();
      }),
      ev.on("error", (e) => this.notify(e.message, "danger")),
    );
    // Typing indicators expire by time, so the screen is refreshed while someone is typing.
    this.ticker = setInterval(() => {
      const next = this.typing.snapshot(this.now());
      if (JSON.stringify(next) !== JSON.stringify(this.state.typing)) this.set({ typing: next });
    }, 1_000);
    this.ticker.unref?.();
    for (const m of await this.svc.unseen(5_000)) this.unseen.set(m.conversationId, [...(this.unseen.get(m.conversationId) ?? []), m]);
    await this.refreshConversations();
    // Messages that arrived while we were away were delivered now.
    for (const [conv, list] of this.unseen) this.queueDelivered(conv, list.map((m) => m.messageId));
    const first = this.state.conversations[0];
    if (first) await this.select(first.id);
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribe) u();
    clearInterval(this.ticker);
    clearTimeout(this.typingIdle);
    clearTimeout(this.deliveredTimer);
    await this.stopTyping().catch(() => undefined);
  }

  // ---- conversations ------------------------------------------------------------------------------

  private title(c: ConversationSummary): string {
    return c.kind === "direct" ? `@${c.peer ?? "?"}` : c.name || "(unnamed group)";
  }

  async refreshConversations(): Promise<void> {
    let list: ConversationSummary[];
    try {
      list = await this.svc.conversations();
    } catch {
      return; // offline: the connection state already says so; we refresh when back online
    }
    const timelines = { ...this.state.timelines };
    const views: ConversationView[] = [];
    for (const c of list) {
      if (!timelines[c.conversationId]) {
        const history = await this.svc.history(c.conversationId, 200);
        timelines[c.conversationId] = history.map(fromStored);
      }
      const old = this.state.conversations.find((v) => v.id === c.conversationId);
      const tl = timelines[c.conversationId]!;
      const lastMsg = [...tl].reverse().find((i) => i.kind === "message");
      views.push({
        id: c.conversationId,
        kind: c.kind,
        title: this.title(c),
        peer: c.peer,
        members: c.members,
        unread: this.unseen.get(c.conversationId)?.length ?? 0,
        last: lastMsg && lastMsg.kind === "message" ? { sender: lastMsg.sender, text: lastMsg.text, at: lastMsg.at } : null,
        closed: old?.closed ?? false,
      });
    }
    // Conversations we left stay listed (their history is still here) until the app restarts.
    for (const old of this.state.conversations) if (!views.some((v) => v.id === old.id)) views.push({ ...old, closed: true });
    this.set({ conversations: sortConversations(views), timelines });
    this.loadTrust(views.map((v) => v.peer).filter((p): p is string => !!p));
    if (!this.state.activeId && this.state.conversations[0]) await this.select(this.state.conversations[0].id);
  }

  /** Learns, once per contact, whether we verified them before and whether their key changed. */
  private loadTrust(peers: string[]): void {
    for (const peer of peers) {
      if (this.trustLoaded.has(peer)) continue;
      this.trustLoaded.add(peer);
      void this.svc.safetyNumber(peer).then(
        (sn) => {
          if (sn.verified && !this.state.verified.includes(peer)) this.set({ verified: [...this.state.verified, peer] });
          if (sn.changed && !this.state.keyChanged.includes(peer)) this.set({ keyChanged: [...this.state.keyChanged, peer] });
        },
        () => this.trustLoaded.delete(peer),
      );
    }
  }
  private readonly trustLoaded = new Set<string>();

  private patchConversation(id: string, patch: Partial<ConversationView>): void {
    this.set({ conversations: sortConversations(this.state.conversations.map((c) => (c.id === id ? { ...c, ...patch } : c))) });
  }

  /**
   * Loads the page of stored messages before the oldest one shown (PageUp at the top). Returns how
   * many were added, 0 when the whole stored history is on screen.
   */
  async loadOlder(conversationId: string, page = 200): Promise<number> {
    const tl = this.state.timelines[conversationId] ?? [];
    const oldest = tl.find((i) => i.kind === "message" && i.seq < Number.MAX_SAFE_INTEGER);
    if (!oldest || oldest.kind !== "message") return 0;
    const older = (await this.svc.history(conversationId, page, oldest.seq)).map(fromStored).filter((o) => !tl.some((i) => i.id === o.id));
    if (!older.length) return 0;
    this.set({ timelines: { ...this.state.timelines, [conversationId]: [...older, ...(this.state.timelines[conversationId] ?? [])] } });
    return older.length;
  }

  active(): ConversationView | undefined {
    return this.state.conversations.find((c) => c.id === this.state.activeId);
  }

  async select(id: string): Promise<void> {
    if (this.state.activeId !== id) await this.stopTyping().catch(() => undefined);
    this.set({ activeId: id, notice: null });
    await this.readActive();
  }

  /** Moves to the next (+1) or previous (-1) conversation in the list, wrapping around. */
  async cycle(delta: number): Promise<void> {
    const list = this.state.conversations;
    if (!list.length) return;
    const i = list.findIndex((c) => c.id === this.state.activeId);
    const next = list[(((i + delta) % list.length) + list.length) % list.length]!;
    await this.select(next.id);
  }

  /** Selects the n-th conversation as numbered in the list (1-based). */
  async selectNumber(n: number): Promise<void> {
    const c = this.state.conversations[n - 1];
    if (c) await this.select(c.id);
  }

  /** The active conversation is on screen: its messages are seen here and read for the sender. */
  private async readActive(): Promise<void> {
    const id = this.state.activeId;
    if (!id) return;
    const seen = this.unseen.get(id) ?? [];
    if (seen.length) {
      this.unseen.delete(id);
      this.patchConversation(id, { unread: 0 });
      await this.svc.markSeen(seen).catch(() => undefined);
    }
    const ids = this.unreadIds.get(id) ?? [];
    this.unreadIds.delete(id);
    const fromBefore = seen.map((m) => m.messageId).filter((m) => !ids.includes(m));
    const all = [...fromBefore, ...ids];
    if (all.length && this.state.settings.receipts) {
      this.dropDelivered(id, all);
      await this.svc.markRead(id, all).catch(() => undefined);
    }
  }

  // ---- events -------------------------------------------------------------------------------------

  private onMessage(m: ClientEvents["message"]): void {
    const item = fromEvent(m);
    const timelines = { ...this.state.timelines };
    const tl = timelines[m.conversationId] ?? [];
    // Our own message replaces its "sending" placeholder.
    const pending = m.direction === "out" ? tl.find((i) => i.kind === "message" && i.state === "sending" && i.text === item.text) : undefined;
    timelines[m.conversationId] = insert(pending ? tl.filter((i) => i !== pending) : tl, item);
    this.typing.clear(m.conversationId, m.sender.username);
    const known = this.state.conversations.some((c) => c.id === m.conversationId);
    const isActive = this.state.activeId === m.conversationId;
    this.set({ timelines, typing: this.typing.snapshot(this.now()) });
    if (!known) void this.refreshConversations();
    const conv = this.state.conversations.find((c) => c.id === m.conversationId);
    const last = { sender: m.sender.username, text: item.kind === "message" ? item.text : "", at: m.sentAt };
    if (m.direction === "in") {
      const stored = storedFrom(m);
      if (isActive) {
        this.unreadIds.set(m.conversationId, [...(this.unreadIds.get(m.conversationId) ?? []), m.messageId]);
        this.unseen.set(m.conversationId, [...(this.unseen.get(m.conversationId) ?? []), stored]);
        void this.readActive();
      } else {
        this.unseen.set(m.conversationId, [...(this.unseen.get(m.conversationId) ?? []), stored]);
        this.queueDelivered(m.conversationId, [m.messageId]);
      }
    }
    if (conv) this.patchConversation(m.conversationId, { last, unread: this.unseen.get(m.conversationId)?.length ?? 0 });
  }

  private onState(s: ClientEvents["message-state"]): void {
    const tl = this.state.timelines[s.conversationId];
    if (!tl) return;
    const next = tl.map((i) => (i.kind === "message" && i.id === s.messageId && i.direction === "out" ? { ...i, state: advance(i.state, s.state) } : i));
    this.set({ timelines: { ...this.state.timelines, [s.conversationId]: next } });
  }

  private onMembership(m: ClientEvents["membership"]): void {
    const who = m.usernames.join(", ") || m.deviceIds.map((d) => d.slice(0, 8)).join(", ");
    const by = m.by ? ` by ${m.by}` : "";
    const text = {
      added: `${who} joined${by}`,
      removed: `${who} removed${by}`,
      left: `${who} left`,
      "device-added": `new device for ${who}${by}: check the safety number if you did not expect it`,
      "device-removed": `a device of ${who} was removed`,
    }[m.change];
    this.event(m.conversationId, text, m.change === "device-added" ? "warn" : "info");
    void this.refreshConversations();
  }

  private onKeyChanged(username: string): void {
    if (!this.state.keyChanged.includes(username)) this.set({ keyChanged: [...this.state.keyChanged, username] });
    for (const c of this.state.conversations) {
      if (c.members.includes(username)) this.event(c.id, `${username}'s account key CHANGED: sending here is blocked until you /verify ${username}`, "danger");
    }
    this.set({ overlay: { kind: "key-changed", username } });
  }

  /** Adds a line to a conversation's timeline (not stored: it is about this session). */
  private event(conversationId: string, text: string, tone: Tone): void {
    const item: TimelineItem = { kind: "event", id: `event-${++this.localSeq}`, at: this.now(), text, tone };
    const tl = this.state.timelines[conversationId] ?? [];
    this.set({ timelines: { ...this.state.timelines, [conversationId]: [...tl, item] } });
  }

  private notify(text: string, tone: Tone): void {
    const notice = { text, tone };
    this.set({ notice });
    // A notice is news, not decoration: it goes away unless it is still the last one.
    const t = setTimeout(() => {
      if (this.state.notice === notice) this.set({ notice: null });
    }, tone === "danger" ? 20_000 : 8_000);
    t.unref?.();
  }

  // ---- receipts -------------------------------------------------------------------------------------

  private queueDelivered(conversationId: string, ids: string[]): void {
    if (!this.state.settings.receipts || !ids.length) return;
    this.deliveredQueue.set(conversationId, [...(this.deliveredQueue.get(conversationId) ?? []), ...ids]);
    // Batched: a burst of messages costs one receipt per conversation, not one each.
    this.deliveredTimer ??= setTimeout(() => {
      this.deliveredTimer = undefined;
      const queue = [...this.deliveredQueue];
      this.deliveredQueue.clear();
      for (const [conv, targets] of queue) {
        void this.svc.send(conv, { v: 1, kind: "receipt", targets, state: "delivered" }).catch(() => undefined);
      }
    }, 300);
  }

  private dropDelivered(conversationId: string, ids: string[]): void {
    const q = this.deliveredQueue.get(conversationId)?.filter((i) => !ids.includes(i));
    if (q) this.deliveredQueue.set(conversationId, q);
  }

  // ---- typing ---------------------------------------------------------------------------------------

  /** Called as the composer changes: tells the others we type (throttled), and when we stop. */
  composing(text: string): void {
    const conv = this.state.activeId;
    if (!conv || !this.state.settings.typing || this.active()?.closed) return;
    const typing = text.trim() !== "" && !text.startsWith("/");
    if (!typing) {
      void this.stopTyping().catch(() => undefined);
      return;
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => void this.stopTyping().catch(() => undefined), TYPING_IDLE_MS);
    this.typingIdle.unref?.();
    if (this.typingConversation === conv && this.now() - this.typingSentAt < TYPING_REFRESH_MS) return;
    this.typingConversation = conv;
    this.typingSentAt = this.now();
    void this.svc.setTyping(conv, true).catch(() => undefined);
  }

  private async stopTyping(): Promise<void> {
    clearTimeout(this.typingIdle);
    const conv = this.typingConversation;
    if (!conv) return;
    this.typingConversation = null;
    this.typingSentAt = 0;
    await this.svc.setTyping(conv, false);
  }

  // ---- input --------------------------------------------------------------------------------------

  /** Everything the composer submits: a message, or a slash command. */
  async submit(line: string): Promise<void> {
    const parsed = parseInput(line);
    if (parsed.kind === "unknown") return this.notify(`no command /${parsed.name}: /help lists them`, "warn");
    if (parsed.kind === "command") {
      this.set({ notice: null });
      try {
        await this.command(parsed.name, parsed.args);
      } catch (e) {
        this.notify(describeError(e), "danger");
      }
      return;
    }
    if (!parsed.text.trim()) return;
    await this.sendText(parsed.text);
  }

  private async sendText(text: string): Promise<void> {
    const conv = this.active();
    if (!conv) return this.notify("no conversation open: start one with /dm USER or /group create NAME USER…", "warn");
    if (conv.closed) return this.notify("you are no longer in this conversation", "warn");
    const blocked = this.state.keyChanged.filter((u) => conv.members.includes(u));
    if (blocked.length) return this.notify(`not sent: ${blocked.join(", ")}'s key changed — /verify ${blocked[0]} first`, "danger");
    const placeholder: TimelineItem = { kind: "message", id: `local-${++this.localSeq}`, seq: Number.MAX_SAFE_INTEGER, sender: this.state.me.username, at: this.now(), text, direction: "out", state: "sending" };
    this.set({ timelines: { ...this.state.timelines, [conv.id]: [...(this.state.timelines[conv.id] ?? []), placeholder] } });
    await this.stopTyping().catch(() => undefined);
    try {
      await this.svc.sendText(conv.id, text);
    } catch (e) {
      const tl = this.state.timelines[conv.id] ?? [];
      this.set({ timelines: { ...this.state.timelines, [conv.id]: tl.map((i) => (i.id === placeholder.id && i.kind === "message" ? { ...i, state: "failed" as const } : i)) } });
      this.notify(`not sent: ${describeError(e)}`, "danger");
      return;
    }
    // The client's own "message" event has replaced the placeholder; drop it if it has not.
    const tl = this.state.timelines[conv.id] ?? [];
    if (tl.some((i) => i.id === placeholder.id && i.kind === "message" && i.state === "sending")) {
      this.set({ timelines: { ...this.state.timelines, [conv.id]: tl.filter((i) => i.id !== placeholder.id) } });
    }
  }

  /** Usernames the completion offers: everyone in our conversations. */
  knownUsers(): string[] {
    const all = new Set<string>();
    for (const c of this.state.conversations) for (const m of c.members) if (m !== this.state.me.username) all.add(m);
    return [...all].sort();
  }

  private requireActive(what: string): ConversationView {
    const c = this.active();
    if (!c) throw new Error(`${what} needs an open conversation`);
    return c;
  }

  private async command(name: string, args: string[]): Promise<void> {
    // Catch a typo here, with a sentence, rather than as the server's schema error.
    const users = name === "group" ? args.slice(2) : ["dm", "add", "remove", "verify", "trust"].includes(name) ? args.slice(0, 1) : [];
    for (const u of users) if (!USERNAME.test(u)) throw new Error(`"${u}" is not a username (2 to 32 characters: a-z, 0-9, '_', '.', '-')`);
    switch (name) {
      case "help":
        return this.set({ overlay: { kind: "help" } });
      case "quit":
        this.opts.onQuit?.();
        return;
      case "dm": {
        const user = args[0];
        if (!user) throw new Error("usage: /dm USER");
        this.notify(`opening a conversation with ${user}…`, "info");
        const id = await this.svc.ensureDirect(user);
        await this.refreshConversations();
        await this.select(id);
        return this.notify(`1:1 with ${user}: messages are end-to-end encrypted`, "ok");
      }
      case "group": {
        const [sub, groupName, ...users] = args;
        if (sub !== "create" || !groupName || !users.length) throw new Error("usage: /group create NAME USER…");
        this.notify(`creating ${groupName}…`, "info");
        const id = await this.svc.createGroup(groupName, users);
        await this.refreshConversations();
        await this.select(id);
        return this.notify(`group ${groupName} created with ${users.join(", ")}`, "ok");
      }
      case "add":
      case "remove": {
        const c = this.requireActive(`/${name}`);
        const user = args[0];
        if (!user) throw new Error(`usage: /${name} USER`);
        if (c.kind !== "group") throw new Error(`/${name} works in groups; a 1:1 stays between two people`);
        if (name === "add") await this.svc.addMember(c.id, user);
        else await this.svc.removeMember(c.id, user);
        await this.refreshConversations();
        return this.notify(name === "add" ? `${user} added to ${c.title}` : `${user} removed from ${c.title}`, "ok");
      }
      case "leave": {
        const c = this.requireActive("/leave");
        await this.svc.leave(c.id);
        this.patchConversation(c.id, { closed: true });
        return this.notify(`you left ${c.title}`, "ok");
      }
      case "devices": {
        const list = await this.svc.devices();
        const lines = list.map(
          (d) =>
            `${d.current ? "▶" : " "} ${d.deviceId.slice(0, 12)}  ${d.name}  added ${new Date(d.createdAt).toISOString().slice(0, 10)}  ${d.revokedAt ? "revoked" : "active"}${d.current ? " (this device)" : ""}`,
        );
        return this.set({ overlay: { kind: "devices", lines } });
      }
      case "verify": {
        const user = args[0] ?? this.active()?.peer;
        if (!user) throw new Error("usage: /verify USER (or open a 1:1 and type /verify)");
        return this.showSafety(user);
      }
      case "trust": {
        const user = args[0];
        if (!user) throw new Error("usage: /trust USER");
        await this.svc.acceptKeyChange(user);
        this.set({ keyChanged: this.state.keyChanged.filter((u) => u !== user), overlay: null });
        return this.notify(`${user}'s new key accepted; compare safety numbers (/verify ${user}) to be sure`, "warn");
      }
      case "typing":
      case "receipts": {
        const on = args[0] === "on" ? true : args[0] === "off" ? false : undefined;
        if (on === undefined) throw new Error(`usage: /${name} on|off`);
        if (name === "typing" && !on) await this.stopTyping().catch(() => undefined);
        this.set({ settings: { ...this.state.settings, [name]: on } });
        return this.notify(`${name === "typing" ? "typing indicators" : "delivery and read receipts"} ${on ? "on" : "off"}`, "ok");
      }
    }
  }

  async showSafety(username: string): Promise<void> {
    const sn = await this.svc.safetyNumber(username);
    const qr = await this.opts.renderQr(sn.qrPayload);
    this.set({ overlay: { kind: "verify", safety: { username, groups: sn.groups, qr, verified: sn.verified, changed: sn.changed } } });
  }

  /** Marks the contact in the open safety-number screen verified (accepting a changed key too). */
  async verifyShown(): Promise<void> {
    const o = this.state.overlay;
    if (o?.kind !== "verify") return;
    const user = o.safety.username;
    try {
      if (o.safety.changed || this.state.keyChanged.includes(user)) await this.svc.acceptKeyChange(user);
      await this.svc.markVerified(user, true);
    } catch (e) {
      return this.notify(describeError(e), "danger");
    }
    this.set({
      overlay: { kind: "verify", safety: { ...o.safety, verified: true, changed: false } },
      verified: [...new Set([...this.state.verified, user])],
      keyChanged: this.state.keyChanged.filter((u) => u !== user),
    });
    this.notify(`${user} is verified`, "ok");
  }

  closeOverlay(): void {
    this.set({ overlay: null });
  }

  openOverlay(o: Overlay): void {
    this.set({ overlay: o });
  }
}

function storedFrom(m: ClientEvents["message"]): StoredMessage {
  return {
    conversationId: m.conversationId,
    seq: m.seq,
    messageId: m.messageId,
    senderUser: m.sender.username,
    senderDevice: m.sender.deviceId,
    sentAt: m.sentAt,
    direction: m.direction,
    state: "received",
    envelope: m.envelope,
  };
}

function sortConversations(list: ConversationView[]): ConversationView[] {
  return [...list].sort((a, b) => Number(a.closed) - Number(b.closed) || (b.last?.at ?? 0) - (a.last?.at ?? 0) || a.title.localeCompare(b.title));
}

/** One line for the user: the SDK's message, which is written for people, without the stack. */
export function describeError(e: unknown): string {
  if (isParleyError(e)) return e.message;
  return (e as Error)?.message ?? String(e);
}

export { envelopeText };
