/**
 * A scripted stand-in for ParleyClient in component tests: conversations and history in memory,
 * events emitted by the test, and a log of every call the UI made. The real client behind the
 * same interface is exercised end to end in test/e2e/chat-tmux.test.ts.
 */
import { Emitter, type ClientEvents, type ConversationSummary, type StoredMessage } from "@parley/client";
import type { ChatService } from "../src/index.js";

export const DAY1 = Date.UTC(2026, 10, 20, 9, 30);
export const DAY2 = Date.UTC(2026, 10, 21, 14, 5);

export class ScriptedService implements ChatService {
  readonly events = new Emitter<ClientEvents>();
  readonly calls: Array<[string, ...unknown[]]> = [];
  convs: ConversationSummary[] = [];
  messages: StoredMessage[] = [];
  unseenList: StoredMessage[] = [];
  verified = new Set<string>();
  private seq = 100;
  failSend: Error | null = null;

  get username() {
    return "alice";
  }
  get deviceId() {
    return "dev-alice-0001";
  }

  addConversation(c: Partial<ConversationSummary> & { conversationId: string }): void {
    this.convs.push({ kind: "direct", name: "", peer: null, members: ["alice"], joined: true, lastSeq: 0, ...c });
  }

  addMessage(conversationId: string, sender: string, text: string, sentAt: number, opts: { unseen?: boolean; state?: StoredMessage["state"] } = {}): StoredMessage {
    const m: StoredMessage = {
      conversationId,
      seq: ++this.seq,
      messageId: `m${this.seq}`,
      senderUser: sender,
      senderDevice: `dev-${sender}`,
      sentAt,
      direction: sender === "alice" ? "out" : "in",
      state: opts.state ?? (sender === "alice" ? "sent" : "received"),
      envelope: { v: 1, kind: "text", text },
    };
    this.messages.push(m);
    if (opts.unseen) this.unseenList.push(m);
    return m;
  }

  /** As the client does when a message arrives. */
  deliver(conversationId: string, sender: string, text: string, sentAt: number): string {
    const id = `m${++this.seq}`;
    this.events.emit("message", { conversationId, seq: this.seq, messageId: id, sender: { username: sender, deviceId: `dev-${sender}` }, sentAt, envelope: { v: 1, kind: "text", text }, direction: "in" });
    return id;
  }

  async conversations() {
    return this.convs.map((c) => ({ ...c }));
  }
  async history(conversationId: string, limit = 100, beforeSeq = Number.MAX_SAFE_INTEGER) {
    this.calls.push(["history", conversationId, limit, beforeSeq]);
    return this.messages.filter((m) => m.conversationId === conversationId && m.seq < beforeSeq).slice(-limit);
  }
  async unseen() {
    return [...this.unseenList];
  }
  async markSeen(ms: StoredMessage[]) {
    this.calls.push(["markSeen", ms.map((m) => m.messageId)]);
    this.unseenList = this.unseenList.filter((u) => !ms.includes(u));
  }
  async send(conversationId: string, envelope: Parameters<ChatService["send"]>[1]) {
    this.calls.push(["send", conversationId, envelope]);
    return { messageId: `r${++this.seq}`, seq: this.seq };
  }
  async sendText(conversationId: string, text: string) {
    this.calls.push(["sendText", conversationId, text]);
    if (this.failSend) throw this.failSend;
    const messageId = `m${++this.seq}`;
    this.events.emit("message", { conversationId, seq: this.seq, messageId, sender: { username: "alice", deviceId: this.deviceId }, sentAt: DAY2 + 60_000, envelope: { v: 1, kind: "text", text }, direction: "out" });
    return { messageId, seq: this.seq };
  }
  async markRead(conversationId: string, ids: string[]) {
    this.calls.push(["markRead", conversationId, ids]);
  }
  async setTyping(conversationId: string, active: boolean) {
    this.calls.push(["setTyping", conversationId, active]);
  }
  async ensureDirect(username: string) {
    this.calls.push(["ensureDirect", username]);
    const id = `dm-${username}`;
    if (!this.convs.some((c) => c.conversationId === id)) this.addConversation({ conversationId: id, peer: username, members: ["alice", username] });
    return id;
  }
  async createGroup(name: string, users: string[]) {
    this.calls.push(["createGroup", name, users]);
    const id = `group-${name}`;
    this.addConversation({ conversationId: id, kind: "group", name, members: ["alice", ...users] });
    return id;
  }
  async addMember(conversationId: string, username: string) {
    this.calls.push(["addMember", conversationId, username]);
  }
  async removeMember(conversationId: string, username: string) {
    this.calls.push(["removeMember", conversationId, username]);
  }
  async leave(conversationId: string) {
    this.calls.push(["leave", conversationId]);
  }
  async devices() {
    return [
      { deviceId: this.deviceId, name: "laptop", createdAt: DAY1, revokedAt: null, current: true },
      { deviceId: "dev-alice-0002", name: "phone", createdAt: DAY1, revokedAt: null, current: false },
    ] as Awaited<ReturnType<ChatService["devices"]>>;
  }
  async safetyNumber(username: string) {
    this.calls.push(["safetyNumber", username]);
    const groups = Array.from({ length: 12 }, (_, i) => String(10000 + i * 1111).slice(0, 5));
    return { digits: groups.join(""), groups, qrPayload: `parley-sn:1:${groups.join("")}`, verified: this.verified.has(username), changed: false };
  }
  async markVerified(username: string, verified = true) {
    this.calls.push(["markVerified", username, verified]);
    if (verified) this.verified.add(username);
  }
  async acceptKeyChange(username: string) {
    this.calls.push(["acceptKeyChange", username]);
  }
  async resolveTarget(target: string) {
    return target;
  }

  /** Not part of ChatService: what the app calls when a client is finished. */
  async close() {
    this.calls.push(["close"]);
  }

  called(name: string): unknown[][] {
    return this.calls.filter((c) => c[0] === name).map((c) => c.slice(1));
  }
}

export const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` passes (the UI updates asynchronously), or throws its last error. */
export async function until(check: () => void, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await tick(10);
    }
  }
}
