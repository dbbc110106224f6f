/**
 * Who is typing where. A typing "on" expires by itself, because the "off" may never come (the
 * other side crashed or went offline mid-sentence).
 */
export class TypingTracker {
  private readonly until = new Map<string, Map<string, number>>();

  constructor(private readonly ttlMs = 7_000) {}

  set(conversationId: string, username: string, active: boolean, now: number): void {
    let m = this.until.get(conversationId);
    if (!m) this.until.set(conversationId, (m = new Map()));
    if (active) m.set(username, now + this.ttlMs);
    else m.delete(username);
  }

  /** Stops showing someone as typing (their message arrived). */
  clear(conversationId: string, username: string): void {
    this.until.get(conversationId)?.delete(username);
  }

  snapshot(now: number): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [conv, m] of this.until) {
      const names = [...m].filter(([, t]) => t > now).map(([u]) => u).sort();
      if (names.length) out[conv] = names;
    }
    return out;
  }
}
