import { advancesState } from "./LocalStore.js";
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
} from "./LocalStore.js";

/** A LocalStore in memory: for tests and for throwaway sessions. Same semantics as the others. */
export class MemoryStore implements LocalStore {
  private profile: Profile | undefined;
  private readonly keyPackages = new Map<string, StoredKeyPackage>();
  private readonly conversations = new Map<string, StoredConversation>();
  private readonly groups = new Map<string, StoredGroup>();
  private readonly messages = new Map<string, StoredMessage[]>();
  private readonly pins = new Map<string, Pin>();
  private readonly seen = new Set<string>();

  async getProfile() {
    return this.profile;
  }
  async setProfile(p: Profile) {
    this.profile = { ...p };
  }
  async clearSession() {
    if (this.profile) this.profile = { ...this.profile, sessionToken: "" };
  }
  async putKeyPackages(kps: StoredKeyPackage[]) {
    for (const k of kps) this.keyPackages.set(k.ref, k);
  }
  async getKeyPackage(ref: string) {
    return this.keyPackages.get(ref);
  }
  async deleteKeyPackage(ref: string) {
    this.keyPackages.delete(ref);
  }
  async getConversation(id: string) {
    return this.conversations.get(id);
  }
  async listConversations() {
    return [...this.conversations.values()];
  }
  async putConversation(c: StoredConversation) {
    this.conversations.set(c.conversationId, { ...c });
  }
  async getGroup(id: string) {
    return this.groups.get(id);
  }
  async saveGroup(id: string, state: Uint8Array, epoch: number, processedSeq?: number) {
    const prev = this.groups.get(id);
    this.groups.set(id, { conversationId: id, state, epoch, processedSeq: processedSeq ?? prev?.processedSeq ?? 0 });
  }
  async applyInbound(c: InboundChange) {
    if (c.conversation) await this.putConversation(c.conversation);
    if (c.message) await this.addMessage(c.message);
    const prev = this.groups.get(c.conversationId);
    if (c.group) {
      this.groups.set(c.conversationId, { conversationId: c.conversationId, state: c.group.state, epoch: c.group.epoch, processedSeq: c.processedSeq });
    } else if (prev) {
      this.groups.set(c.conversationId, { ...prev, processedSeq: Math.max(prev.processedSeq, c.processedSeq) });
    }
  }
  async addMessage(m: StoredMessage) {
    const list = this.messages.get(m.conversationId) ?? [];
    if (list.some((x) => x.messageId === m.messageId || (x.seq === m.seq && m.seq > 0))) return false;
    list.push({ ...m });
    list.sort((a, b) => a.seq - b.seq);
    this.messages.set(m.conversationId, list);
    return true;
  }
  async setMessageState(conversationId: string, messageId: string, state: MessageState) {
    const m = this.messages.get(conversationId)?.find((x) => x.messageId === messageId);
    if (m && advancesState(m.state, state)) m.state = state;
  }
  async listMessages(conversationId: string, opts: { limit?: number; beforeSeq?: number } = {}) {
    let list = this.messages.get(conversationId) ?? [];
    if (opts.beforeSeq !== undefined) list = list.filter((m) => m.seq < opts.beforeSeq!);
    return list.slice(-(opts.limit ?? 1000)).map((m) => ({ ...m }));
  }
  async listUnseen(limit = 1000) {
    const all = [...this.messages.values()].flat().filter((m) => m.direction === "in" && !this.seen.has(`${m.conversationId}/${m.seq}`));
    return all.slice(0, limit).map((m) => ({ ...m }));
  }
  async markSeen(conversationId: string, seqs: number[]) {
    for (const s of seqs) this.seen.add(`${conversationId}/${s}`);
  }
  async getPin(u: string) {
    return this.pins.get(u);
  }
  async putPin(p: Pin) {
    this.pins.set(p.username, { ...p });
  }
  async listPins() {
    return [...this.pins.values()];
  }
  async close() {}
}
