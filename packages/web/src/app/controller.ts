import { ClientErrorCode, ParleyClient, isParleyError, type ClientEvents, type ClientOptions } from "@parley/client";
import { IndexedDbStore, browserSocketFactory, sameOriginServerUrl } from "@parley/client/browser";
import { notifyIfHidden } from "./notify.js";
import { Observable } from "./observable.js";
import { laterState, mergeTimeline, messageItem } from "./timeline.js";
import { initialState, type AppState, type ConversationRow, type TimelineItem } from "./types.js";

const TYPING_SHOWN_MS = 6_000;
const TYPING_RESEND_MS = 3_000;
const RECEIPT_DELAY_MS = 300;
/** Messages loaded when a conversation opens, and per "Show older messages". */
export const HISTORY_PAGE = 50;

function describe(e: unknown): string {
  if (isParleyError(e, ClientErrorCode.KeyChanged)) return "A contact's key changed: compare safety numbers before sending.";
  return e instanceof Error ? e.message : String(e);
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? "Firefox" : /Edg\//.test(ua) ? "Edge" : /Chrom(e|ium)\//.test(ua) ? "Chromium" : /Safari\//.test(ua) ? "Safari" : "Browser";
  return `${browser} (web)`;
}

/**
 * The web app's state and everything it does with the SDK: one ParleyClient for this browser
 * (a device of the account), its IndexedDB store, and the view state the UI renders.
 */
export class Controller {
  readonly state = new Observable<AppState>(initialState);
  private client: ParleyClient | null = null;
  private unsubscribe: Array<() => void> = [];
  /** Membership and key-change notices of this session, per conversation (not stored). */
  private readonly notices = new Map<string, TimelineItem[]>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private typingSentAt = 0;
  private readonly pendingDelivered = new Map<string, Set<string>>();
  private noticeCounter = 0;

  private patch(p: Partial<AppState>): void {
    this.state.update((s) => ({ ...s, ...p }));
  }

  private openStore(): Promise<IndexedDbStore> {
    return IndexedDbStore.open({ session: sessionStorage });
  }

  private options(store: IndexedDbStore): ClientOptions {
    return { serverUrl: sameOriginServerUrl(location), store, socketFactory: browserSocketFactory, deviceName: deviceName() };
  }

  /** On page load: reopen the session if this tab already unlocked the store, else ask to log in. */
  async boot(): Promise<void> {
    if (!window.isSecureContext || !globalThis.crypto?.subtle) return this.patch({ phase: "insecure" });
    const store = await this.openStore();
    if (!(await store.resume())) {
      await store.close();
      return this.patch({ phase: "login" });
    }
    try {
      await this.attach(await ParleyClient.open({ store, socketFactory: browserSocketFactory }));
    } catch (e) {
      await store.close();
      this.patch({ phase: "login", error: isParleyError(e, ClientErrorCode.NotLoggedIn) ? null : describe(e) });
    }
  }

  async register(username: string, password: string): Promise<void> {
    await this.enter((o) => ParleyClient.register(o, username, password));
  }

  async login(username: string, password: string): Promise<void> {
    await this.enter((o) => ParleyClient.login(o, username, password));
  }

  private async enter(how: (o: ClientOptions) => Promise<ParleyClient>): Promise<void> {
    this.patch({ error: null, status: "Working…" });
    const store = await this.openStore();
    try {
      await this.attach(await how(this.options(store)));
    } catch (e) {
      await store.lock().catch(() => undefined);
      await store.close();
      this.patch({ error: describe(e), status: "" });
    }
  }

  /** Removes this browser's local data (history, keys) so another account can log in here. */
  async removeLocalData(): Promise<void> {
    await IndexedDbStore.wipe({ session: sessionStorage });
    this.patch({ error: null, status: "Local data removed from this browser." });
  }

  async logout(): Promise<void> {
    const client = this.client;
    this.detach();
    if (client) await client.logout();
    await this.forgetTabUnlock();
    this.state.set({ ...initialState, phase: "login", status: "Logged out." });
  }

  /** Drops both halves of the reload unlock (the wrapped key in IndexedDB, the tab's secret). */
  private async forgetTabUnlock(): Promise<void> {
    const store = await this.openStore();
    await store.lock().catch(() => undefined);
    await store.close();
  }

  private async attach(client: ParleyClient): Promise<void> {
    this.client = client;
    const on = <K extends keyof ClientEvents>(k: K, fn: (p: ClientEvents[K]) => void) => this.unsubscribe.push(client.events.on(k, fn));
    on("connection", ({ state }) => {
      this.patch({ connection: state });
      if (state === "online") void this.refreshConversations();
    });
    on("message", (m) => void this.onMessage(m));
    on("message-state", (m) => this.onMessageState(m));
    on("typing", (t) => this.onTyping(t));
    on("joined", (j) => {
      this.addNotice(j.conversationId, j.by ? `${j.by} added you` : "You joined this conversation");
      void this.refreshConversations();
    });
    on("membership", (m) => {
      const who = m.usernames.join(", ");
      const by = m.by ? ` (by ${m.by})` : "";
      const text =
        m.change === "added" ? `${who} joined${by}` :
        m.change === "removed" ? `${who} left or was removed${by}` :
        m.change === "left" ? `${who} left` :
        m.change === "device-added" ? `${who} added a device${by}` :
        `${who} removed a device${by}`;
      this.addNotice(m.conversationId, text);
      void this.refreshConversations();
    });
    on("removed", ({ conversationId }) => {
      this.addNotice(conversationId, "You are no longer a member of this conversation");
      void this.refreshConversations();
    });
    on("key-changed", ({ username }) => {
      this.patch({ keyChanged: [...new Set([...this.state.get().keyChanged, username])] });
      for (const c of this.state.get().conversations) {
        if (c.members.includes(username)) this.addNotice(c.conversationId, `${username}'s key changed: verify the safety number`);
      }
    });
    on("undecryptable", (u) => this.addNotice(u.conversationId, `A message could not be decrypted (${u.reason})`));
    on("security", (s) => s.conversationId && this.addNotice(s.conversationId, `Security warning: ${s.message}`));
    on("session-ended", () => {
      this.detach();
      void client.close().then(() => this.forgetTabUnlock());
      this.state.set({ ...initialState, phase: "login", error: "Your session ended (logged out elsewhere, or this device was revoked). Log in again." });
    });
    on("error", (e) => console.warn("parley:", e.code ?? "", e.message));
    this.patch({ phase: "ready", username: client.username, deviceId: client.deviceId, connection: client.online ? "online" : "connecting", status: "", error: null });
    await this.refreshConversations();
    document.addEventListener("visibilitychange", this.onVisibility);
  }

  private detach(): void {
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    document.removeEventListener("visibilitychange", this.onVisibility);
    this.client = null;
  }

  private need(): ParleyClient {
    if (!this.client) throw new Error("not logged in");
    return this.client;
  }

  /** Runs a user action; a failure becomes the visible error instead of an unhandled rejection. */
  async act<T>(what: () => Promise<T>): Promise<T | undefined> {
    try {
      this.patch({ error: null });
      return await what();
    } catch (e) {
      this.patch({ error: describe(e) });
      return undefined;
    }
  }

  // ---- conversations -----------------------------------------------------------------------------

  async refreshConversations(): Promise<void> {
    const client = this.client;
    if (!client || !client.online) return;
    try {
      const [list, unseen] = await Promise.all([client.conversations(), client.unseen()]);
      const unread = new Map<string, number>();
      for (const m of unseen) unread.set(m.conversationId, (unread.get(m.conversationId) ?? 0) + 1);
      const rows: ConversationRow[] = list.map((c) => ({
        conversationId: c.conversationId,
        kind: c.kind,
        title: c.kind === "direct" ? (c.peer ?? "(direct)") : c.name || "(group)",
        peer: c.peer,
        members: c.members,
        unread: c.conversationId === this.state.get().selected && !document.hidden ? 0 : (unread.get(c.conversationId) ?? 0),
        joined: c.joined,
      }));
      this.patch({ conversations: rows });
    } catch (e) {
      console.warn("parley: listing conversations failed:", describe(e));
    }
  }

  async select(conversationId: string | null): Promise<void> {
    this.patch({ selected: conversationId, timeline: [], hasOlder: false, typing: [] });
    if (!conversationId) return;
    await this.loadTimeline(conversationId);
    await this.markVisibleRead();
    await this.checkKeys(conversationId);
  }

  private async loadTimeline(conversationId: string): Promise<void> {
    const history = await this.need().history(conversationId, HISTORY_PAGE);
    if (this.state.get().selected !== conversationId) return;
    this.patch({
      timeline: mergeTimeline(history.map(messageItem), this.notices.get(conversationId) ?? []),
      hasOlder: history.length === HISTORY_PAGE,
    });
  }

  /** Prepends the page of stored messages before the oldest one shown. */
  async loadOlder(): Promise<void> {
    const { selected, timeline } = this.state.get();
    const first = timeline.find((t) => t.type === "message");
    if (!selected || !first || first.type !== "message") return;
    const older = await this.need().history(selected, HISTORY_PAGE, first.seq);
    if (this.state.get().selected !== selected) return;
    const messages = [...older.map(messageItem), ...this.state.get().timeline.filter((t) => t.type === "message")];
    this.patch({ timeline: mergeTimeline(messages, this.notices.get(selected) ?? []), hasOlder: older.length === HISTORY_PAGE });
  }

  /** Asks the server for each member's key and compares it with the pin, so a change shows before anyone sends. */
  private async checkKeys(conversationId: string): Promise<void> {
    const row = this.state.get().conversations.find((c) => c.conversationId === conversationId);
    const me = this.state.get().username;
    const changed: string[] = [];
    for (const u of row?.members ?? []) {
      if (u === me) continue;
      const r = await this.need().refreshContactKey(u).catch(() => undefined);
      if (r?.changed) changed.push(u);
    }
    if (changed.length) this.patch({ keyChanged: [...new Set([...this.state.get().keyChanged, ...changed])] });
  }

  async startDirect(username: string): Promise<void> {
    const id = await this.act(() => this.need().ensureDirect(username.trim().toLowerCase()));
    if (id) {
      await this.refreshConversations();
      await this.select(id);
    }
  }

  async createGroup(name: string, members: string[]): Promise<void> {
    const id = await this.act(() => this.need().createGroup(name.trim(), members));
    if (id) {
      await this.refreshConversations();
      await this.select(id);
    }
  }

  async addMember(conversationId: string, username: string): Promise<void> {
    await this.act(() => this.need().addMember(conversationId, username.trim().toLowerCase()));
    await this.refreshConversations();
  }

  async removeMember(conversationId: string, username: string): Promise<void> {
    await this.act(() => this.need().removeMember(conversationId, username));
    await this.refreshConversations();
  }

  async leave(conversationId: string): Promise<void> {
    await this.act(() => this.need().leave(conversationId));
    await this.refreshConversations();
    await this.select(null);
  }

  // ---- messages -----------------------------------------------------------------------------------

  async send(text: string): Promise<boolean> {
    const id = this.state.get().selected;
    if (!id || !text.trim()) return false;
    this.typingSentAt = 0;
    const ok = await this.act(() => this.need().sendText(id, text));
    if (ok) this.patch({ status: "Message sent" });
    return !!ok;
  }

  /** Called as the user types: tells others at most every few seconds, and once when they stop. */
  typing(active: boolean): void {
    const id = this.state.get().selected;
    const client = this.client;
    if (!id || !client) return;
    const now = Date.now();
    if (active && now - this.typingSentAt < TYPING_RESEND_MS) return;
    if (!active && this.typingSentAt === 0) return;
    this.typingSentAt = active ? now : 0;
    void client.setTyping(id, active).catch(() => undefined);
  }

  private async onMessage(m: ClientEvents["message"]): Promise<void> {
    const s = this.state.get();
    if (m.conversationId === s.selected) {
      const item = messageItem({ ...m, senderUser: m.sender.username, state: m.direction === "out" ? "sent" : "received" });
      if (!s.timeline.some((t) => t.key === item.key)) this.patch({ timeline: mergeTimeline([...s.timeline.filter((t) => t.type === "message"), item], this.notices.get(m.conversationId) ?? []) });
      this.clearTyping(m.conversationId, m.sender.username);
    }
    if (m.direction !== "in") return;
    const row = s.conversations.find((c) => c.conversationId === m.conversationId);
    notifyIfHidden(`Parley: ${row?.title ?? "new message"}`, `New message from ${m.sender.username}`, () => void this.select(m.conversationId));
    if (m.conversationId === s.selected && !document.hidden) await this.markVisibleRead();
    else {
      this.queueDelivered(m.conversationId, m.messageId);
      await this.refreshConversations();
    }
  }

  /** "Delivered" receipts, batched a moment so a burst of messages costs one MLS message. */
  private queueDelivered(conversationId: string, messageId: string): void {
    const set = this.pendingDelivered.get(conversationId) ?? new Set<string>();
    set.add(messageId);
    if (this.pendingDelivered.has(conversationId)) return;
    this.pendingDelivered.set(conversationId, set);
    setTimeout(() => {
      this.pendingDelivered.delete(conversationId);
      void this.client?.send(conversationId, { v: 1, kind: "receipt", targets: [...set], state: "delivered" }).catch(() => undefined);
    }, RECEIPT_DELAY_MS);
  }

  /** Marks the open conversation's unseen messages seen here and read for their senders. */
  private async markVisibleRead(): Promise<void> {
    const id = this.state.get().selected;
    const client = this.client;
    if (!id || !client || document.hidden) return;
    const unseen = (await client.unseen()).filter((m) => m.conversationId === id);
    if (!unseen.length) return;
    await client.markSeen(unseen);
    this.patch({ conversations: this.state.get().conversations.map((c) => (c.conversationId === id ? { ...c, unread: 0 } : c)) });
    await client.markRead(id, unseen.map((m) => m.messageId)).catch(() => undefined);
  }

  private readonly onVisibility = (): void => {
    if (!document.hidden) void this.markVisibleRead();
  };

  private onMessageState(m: ClientEvents["message-state"]): void {
    if (m.by === this.state.get().username || m.conversationId !== this.state.get().selected) return;
    this.patch({
      timeline: this.state.get().timeline.map((t) => (t.type === "message" && t.messageId === m.messageId ? { ...t, state: laterState(t.state, m.state) } : t)),
    });
  }

  private onTyping(t: ClientEvents["typing"]): void {
    if (t.conversationId !== this.state.get().selected) return;
    if (!t.active) return this.clearTyping(t.conversationId, t.username);
    const key = `${t.conversationId}/${t.username}`;
    clearTimeout(this.typingTimers.get(key));
    this.typingTimers.set(key, setTimeout(() => this.clearTyping(t.conversationId, t.username), TYPING_SHOWN_MS));
    if (!this.state.get().typing.includes(t.username)) this.patch({ typing: [...this.state.get().typing, t.username] });
  }

  private clearTyping(conversationId: string, username: string): void {
    clearTimeout(this.typingTimers.get(`${conversationId}/${username}`));
    if (this.state.get().typing.includes(username)) this.patch({ typing: this.state.get().typing.filter((u) => u !== username) });
  }

  private addNotice(conversationId: string, text: string): void {
    const item: TimelineItem = { type: "notice", key: `n:${++this.noticeCounter}`, at: Date.now(), text };
    this.notices.set(conversationId, [...(this.notices.get(conversationId) ?? []), item]);
    if (conversationId === this.state.get().selected) this.patch({ timeline: [...this.state.get().timeline, item] });
  }

  // ---- trust and devices ----------------------------------------------------------------------------

  safetyNumber(username: string) {
    return this.need().safetyNumber(username);
  }

  async markVerified(username: string): Promise<void> {
    await this.act(() => this.need().markVerified(username, true));
  }

  async acceptKeyChange(username: string): Promise<void> {
    const ok = await this.act(async () => {
      await this.need().acceptKeyChange(username);
      return true;
    });
    if (ok) this.patch({ keyChanged: this.state.get().keyChanged.filter((u) => u !== username) });
  }

  devices() {
    return this.need().devices();
  }

  async revokeDevice(deviceId: string): Promise<void> {
    await this.act(() => this.need().revokeDevice(deviceId));
  }
}
