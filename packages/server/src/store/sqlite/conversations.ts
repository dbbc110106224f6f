import type { Database, Transaction } from "better-sqlite3";
import type {
  AppendOutcome,
  ApplicationInput,
  CommitInput,
  CommitOutcome,
  ConversationRecord,
  CreateConversationOutcome,
  LeaveOutcome,
  MemberRecord,
  NewConversation,
} from "../Store.js";
import { selectDevice } from "./accounts.js";
import { toConversation, toMember, type ConversationRow, type MemberRow } from "../rows.js";
import { appendEntry, appendSystemEntry, insertEntry, selectConversation } from "./log.js";
import { sql } from "./statements.js";

/** The MLS Delivery Service's ordering: conversations, their membership, and appends to their logs. */
export class SqliteConversations {
  /**
   * Built once: better-sqlite3's transaction() defines four wrapper functions per call, which
   * cost as much as the append itself in the fan-out profile (docs/performance.md).
   */
  private readonly appendApplicationTx: Transaction<(input: ApplicationInput) => AppendOutcome>;

  constructor(private readonly db: Database) {
    this.appendApplicationTx = db.transaction((input: ApplicationInput) => this.appendApplicationStep(input));
  }

  create(input: NewConversation): CreateConversationOutcome {
    const db = this.db;
    return db
      .transaction((): CreateConversationOutcome => {
        if (selectConversation(db, input.conversationId)) return { kind: "idTaken" };
        let directUsers: string | null = null;
        if (input.kind === "direct") {
          if (input.peer === null || !sql(db, "SELECT 1 FROM users WHERE username = ?").get(input.peer)) {
            return { kind: "peerNotFound" };
          }
          directUsers = [input.creator.username, input.peer].sort().join("\n");
          const existing = sql(db, "SELECT conversation_id FROM conversations WHERE direct_key = ?").get(directUsers) as
            | { conversation_id: string }
            | undefined;
          if (existing) return { kind: "directExists", conversationId: existing.conversation_id };
        }
        sql(
          db,
          `INSERT INTO conversations (conversation_id, kind, name, epoch, last_seq, created_at, direct_users, direct_key)
           VALUES (?, ?, ?, 0, 0, ?, ?, ?)`,
        ).run(input.conversationId, input.kind, input.name, input.createdAt, directUsers, directUsers);
        this.keepGroupInfo(input.conversationId, input.groupInfo);
        sql(
          db,
          "INSERT INTO members (conversation_id, device_id, username, joined_seq, cursor) VALUES (?, ?, ?, 0, 0)",
        ).run(input.conversationId, input.creator.deviceId, input.creator.username);
        return { kind: "ok", conversation: toConversation(selectConversation(db, input.conversationId)!) };
      })
      .immediate();
  }

  get(conversationId: string): ConversationRecord | null {
    const r = selectConversation(this.db, conversationId);
    return r ? toConversation(r) : null;
  }

  listMembers(conversationId: string): MemberRecord[] {
    const rows = sql(
      this.db,
      `SELECT * FROM members WHERE conversation_id = ? AND removed_seq IS NULL ORDER BY username, joined_seq, device_id`,
    ).all(conversationId) as MemberRow[];
    return rows.map(toMember);
  }

  listOfUser(username: string): ConversationRecord[] {
    const rows = sql(
      this.db,
      `SELECT * FROM conversations WHERE conversation_id IN
         (SELECT conversation_id FROM members WHERE username = ? AND removed_seq IS NULL)
       ORDER BY created_at DESC, conversation_id`,
    ).all(username) as ConversationRow[];
    return rows.map(toConversation);
  }

  groupInfo(conversationId: string): { epoch: number; groupInfo: string | null } | null {
    const r = sql(
      this.db,
      "SELECT c.epoch, g.data FROM conversations c LEFT JOIN group_infos g USING (conversation_id) WHERE c.conversation_id = ?",
    ).get(conversationId) as { epoch: number; data: string | null } | undefined;
    return r ? { epoch: r.epoch, groupInfo: r.data } : null;
  }

  /** The conversation's GroupInfo is kept apart from its row (see migration 2). */
  private keepGroupInfo(conversationId: string, groupInfo: string | null): void {
    if (groupInfo === null) {
      sql(this.db, "DELETE FROM group_infos WHERE conversation_id = ?").run(conversationId);
      return;
    }
    sql(
      this.db,
      "INSERT INTO group_infos (conversation_id, data) VALUES (?, ?) ON CONFLICT (conversation_id) DO UPDATE SET data = excluded.data",
    ).run(conversationId, groupInfo);
  }

  appendCommit(input: CommitInput): CommitOutcome {
    const db = this.db;
    return db.transaction((): CommitOutcome => this.commitInTransaction(input)).immediate();
  }

  private commitInTransaction(input: CommitInput): CommitOutcome {
    const db = this.db;
    const conv = selectConversation(db, input.conversationId);
    if (!conv) return { kind: "conversationNotFound" };
    const prior = this.priorMessage(input.conversationId, input.messageId, input.sender.deviceId);
    if (prior) return prior.kind === "duplicate" ? prior : { kind: "messageIdTaken" };

    const caller = this.activeMember(conv.conversation_id, input.sender.deviceId);
    if (input.external) {
      if (caller) return { kind: "alreadyMember", deviceId: input.sender.deviceId };
      if (!this.userIsMember(conv.conversation_id, input.sender.username)) return { kind: "notMember" };
    } else if (!caller) {
      return { kind: "notMember" };
    }
    if (input.epoch !== conv.epoch) return { kind: "staleEpoch", epoch: conv.epoch };

    const add = input.external ? [input.sender.deviceId] : input.add;
    const directUsers = conv.direct_users?.split("\n") ?? null;
    for (const deviceId of add) {
      const device = selectDevice(db, deviceId);
      if (!device) return { kind: "deviceNotFound", deviceId };
      if (device.revoked_at !== null) return { kind: "deviceRevoked", deviceId };
      if (!input.external && this.activeMember(conv.conversation_id, deviceId)) return { kind: "alreadyMember", deviceId };
      if (directUsers && !directUsers.includes(device.username)) return { kind: "notParticipant", deviceId };
    }
    // Devices the server already removed (revoked, or their user left) may still hold MLS leaves:
    // members' clients remove them with a later commit, so any registered device may be listed.
    const removedNow: string[] = [];
    for (const deviceId of input.remove) {
      if (!selectDevice(db, deviceId)) return { kind: "deviceNotFound", deviceId };
      if (this.activeMember(conv.conversation_id, deviceId)) removedNow.push(deviceId);
    }
    const { n } = sql(
      db,
      "SELECT COUNT(*) AS n FROM members WHERE conversation_id = ? AND removed_seq IS NULL",
    ).get(conv.conversation_id) as { n: number };
    if (n + add.length - removedNow.length > input.maxMembers) return { kind: "tooManyMembers" };

    const newEpoch = conv.epoch + 1;
    const seq = appendEntry(db, conv.conversation_id, conv.last_seq, {
      kind: "commit",
      epoch: conv.epoch,
      messageId: input.messageId,
      senderUsername: input.sender.username,
      senderDevice: input.sender.deviceId,
      sentAt: input.now,
      data: input.commit,
      meta: { add, remove: input.remove, external: input.external },
    });
    this.recordMessageId(input.conversationId, input.messageId, input.sender.deviceId, seq, newEpoch, input.now);
    sql(db, "UPDATE conversations SET epoch = ? WHERE conversation_id = ?").run(newEpoch, conv.conversation_id);
    this.keepGroupInfo(conv.conversation_id, input.groupInfo);
    for (const deviceId of removedNow) {
      sql(db, "UPDATE members SET removed_seq = ?, removed_at = ? WHERE conversation_id = ? AND device_id = ?").run(
        seq,
        input.now,
        conv.conversation_id,
        deviceId,
      );
    }
    for (const deviceId of add) {
      const device = selectDevice(db, deviceId)!;
      sql(
        db,
        `INSERT INTO members (conversation_id, device_id, username, joined_seq, cursor) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id, device_id) DO UPDATE SET
           joined_seq = excluded.joined_seq, cursor = excluded.cursor, removed_seq = NULL, removed_at = NULL`,
      ).run(conv.conversation_id, deviceId, device.username, seq, seq);
      if (!input.external && input.welcome !== null) {
        sql(
          db,
          `INSERT INTO welcomes (device_id, conversation_id, commit_seq, epoch, sender_username, sender_device, sent_at, data)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(deviceId, conv.conversation_id, seq, newEpoch, input.sender.username, input.sender.deviceId, input.now, input.welcome);
      }
    }
    this.passOwnEntry(conv.conversation_id, input.sender.deviceId, seq);
    return { kind: "ok", seq, epoch: newEpoch, added: add, removed: removedNow };
  }

  appendApplication(input: ApplicationInput): AppendOutcome {
    try {
      return this.appendApplicationTx.immediate(input);
    } catch (error) {
      if (error instanceof Refused) return error.outcome;
      throw error;
    }
  }

  /**
   * Four statements in the common case, each doing a check and a write at once: the seq is taken
   * by bumping last_seq (no row: no conversation), the message id is recorded unless taken (no
   * change: a duplicate or someone else's), the sender's membership row is touched, passing its
   * cursor over its own entry where it had acked all before (no row: not a member, which is also
   * what a revoked device is), and the entry is written. A refusal after the first write throws
   * Refused, which rolls this append's savepoint back. (It was seven statements, three of them
   * reads, in the fan-out profile.) Refusals keep their order of precedence: no such
   * conversation, then a messageId already used, then not a member.
   */
  private appendApplicationStep(input: ApplicationInput): AppendOutcome {
    const db = this.db;
    const head = sql(db, "UPDATE conversations SET last_seq = last_seq + 1 WHERE conversation_id = ? RETURNING last_seq").get(
      input.conversationId,
    ) as { last_seq: number } | undefined;
    if (!head) return { kind: "conversationNotFound" };
    const seq = head.last_seq;
    if (!this.recordMessageId(input.conversationId, input.messageId, input.sender.deviceId, seq, input.epoch, input.now)) {
      const prior = this.priorMessage(input.conversationId, input.messageId, input.sender.deviceId)!;
      throw new Refused(prior.kind === "duplicate" ? { kind: "duplicate", seq: prior.seq } : { kind: "messageIdTaken" });
    }
    if (!this.passOwnEntry(input.conversationId, input.sender.deviceId, seq)) throw new Refused({ kind: "notMember" });
    insertEntry(db, input.conversationId, seq, {
      kind: "application",
      epoch: input.epoch,
      messageId: input.messageId,
      senderUsername: input.sender.username,
      senderDevice: input.sender.deviceId,
      sentAt: input.now,
      data: input.ciphertext,
      meta: null,
    });
    return { kind: "ok", seq };
  }

  leave(conversationId: string, username: string, now: number): LeaveOutcome {
    const db = this.db;
    return db
      .transaction((): LeaveOutcome => {
        const conv = selectConversation(db, conversationId);
        if (!conv) return { kind: "conversationNotFound" };
        const devices = (
          sql(
            db,
            "SELECT device_id FROM members WHERE conversation_id = ? AND username = ? AND removed_seq IS NULL ORDER BY device_id",
          ).all(conversationId, username) as { device_id: string }[]
        ).map((r) => r.device_id);
        if (devices.length === 0) return { kind: "notMember" };
        const seq = appendSystemEntry(db, conv, now, { event: "left", username, deviceIds: devices });
        sql(
          db,
          "UPDATE members SET removed_seq = ?, removed_at = ? WHERE conversation_id = ? AND username = ? AND removed_seq IS NULL",
        ).run(seq, now, conversationId, username);
        // A direct conversation one side has left is no longer "the" conversation between the two.
        sql(db, "UPDATE conversations SET direct_key = NULL WHERE conversation_id = ?").run(conversationId);
        return { kind: "ok", seq, deviceIds: devices };
      })
      .immediate();
  }

  private activeMember(conversationId: string, deviceId: string): boolean {
    return !!sql(
      this.db,
      "SELECT 1 FROM members WHERE conversation_id = ? AND device_id = ? AND removed_seq IS NULL",
    ).get(conversationId, deviceId);
  }

  private userIsMember(conversationId: string, username: string): boolean {
    return !!sql(
      this.db,
      "SELECT 1 FROM members WHERE conversation_id = ? AND username = ? AND removed_seq IS NULL LIMIT 1",
    ).get(conversationId, username);
  }

  /** A retry by the same device is a duplicate; the same id from another device is refused. */
  private priorMessage(
    conversationId: string,
    messageId: string,
    deviceId: string,
  ): { kind: "duplicate"; seq: number; epoch: number } | { kind: "taken" } | null {
    const r = sql(
      this.db,
      "SELECT sender_device, seq, epoch FROM message_ids WHERE conversation_id = ? AND message_id = ?",
    ).get(conversationId, messageId) as { sender_device: string; seq: number; epoch: number } | undefined;
    if (!r) return null;
    return r.sender_device === deviceId ? { kind: "duplicate", seq: r.seq, epoch: r.epoch } : { kind: "taken" };
  }

  /** Records the message id at `seq`; false if the conversation already has it (see priorMessage). */
  private recordMessageId(
    conversationId: string,
    messageId: string,
    deviceId: string,
    seq: number,
    epoch: number,
    now: number,
  ): boolean {
    return (
      sql(
        this.db,
        `INSERT INTO message_ids (conversation_id, message_id, sender_device, seq, epoch, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (conversation_id, message_id) DO NOTHING`,
      ).run(conversationId, messageId, deviceId, seq, epoch, now).changes === 1
    );
  }

  /**
   * A device is never sent its own entries; if it had acked everything before this one, its cursor
   * moves over it at once, so that retention need not wait for an ack that will never come. The
   * row is touched either way: false means the device is not an active member.
   */
  private passOwnEntry(conversationId: string, deviceId: string, seq: number): boolean {
    return (
      sql(
        this.db,
        `UPDATE members SET cursor = CASE WHEN cursor = ? THEN ? ELSE cursor END
         WHERE conversation_id = ? AND device_id = ? AND removed_seq IS NULL`,
      ).run(seq - 1, seq, conversationId, deviceId).changes === 1
    );
  }
}

/** An append refused after its first write: thrown to roll its savepoint back, then returned. */
class Refused extends Error {
  constructor(readonly outcome: AppendOutcome) {
    super(outcome.kind);
  }
}
