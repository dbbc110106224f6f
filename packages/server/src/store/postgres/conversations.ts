import type pg from "pg";
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
import { toConversation, toMember, type ConversationRow, type DeviceRow, type MemberRow } from "../rows.js";
import { changes, first, retrying, rows, transaction, type Queryable } from "./db.js";
import { TurnBatcher } from "./turnBatcher.js";
import { CONVERSATION_COLUMNS, appendEntry, appendSystemEntry, lockConversation, selectConversation } from "./log.js";

/**
 * The MLS Delivery Service's ordering: conversations, their membership, and appends to their logs.
 * Every change to a conversation first locks its row (lockConversation), so that of two commits
 * for the same epoch arriving at two instances, the second sees the first's epoch and is refused.
 */
export class PostgresConversations {
  constructor(private readonly pool: pg.Pool) {}

  create(input: NewConversation): Promise<CreateConversationOutcome> {
    return transaction(this.pool, async (c): Promise<CreateConversationOutcome> => {
      let directUsers: string | null = null;
      if (input.kind === "direct") {
        if (input.peer === null || !(await first(c, "SELECT 1 FROM users WHERE username = $1", [input.peer]))) {
          return { kind: "peerNotFound" };
        }
        directUsers = [input.creator.username, input.peer].sort().join("\n");
      }
      // Both unique keys (the id, and the live direct pair) are settled by the insert itself: of
      // two instances creating the same direct conversation at once, one inserts, the other waits
      // for it and then finds it.
      const inserted = await changes(
        c,
        `INSERT INTO conversations (conversation_id, kind, name, epoch, last_seq, created_at, group_info, direct_users, direct_key)
         VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $6) ON CONFLICT DO NOTHING`,
        [input.conversationId, input.kind, input.name, input.createdAt, input.groupInfo, directUsers],
      );
      if (inserted === 0) {
        if (await selectConversation(c, input.conversationId)) return { kind: "idTaken" };
        const existing = await first<{ conversation_id: string }>(
          c,
          "SELECT conversation_id FROM conversations WHERE direct_key = $1",
          [directUsers],
        );
        if (existing) return { kind: "directExists", conversationId: existing.conversation_id };
        // The conflicting row went away between the insert and the look-up: try again from the start.
        throw Object.assign(new Error("conversation insert conflict vanished"), { code: "40001" });
      }
      await c.query("INSERT INTO members (conversation_id, device_id, username, joined_seq, cursor) VALUES ($1, $2, $3, 0, 0)", [
        input.conversationId,
        input.creator.deviceId,
        input.creator.username,
      ]);
      return { kind: "ok", conversation: toConversation((await selectConversation(c, input.conversationId))!) };
    });
  }

  async get(conversationId: string): Promise<ConversationRecord | null> {
    const r = await selectConversation(this.pool, conversationId);
    return r ? toConversation(r) : null;
  }

  async listMembers(conversationId: string): Promise<MemberRecord[]> {
    const list = await rows<MemberRow>(
      this.pool,
      `SELECT * FROM members WHERE conversation_id = $1 AND removed_seq IS NULL ORDER BY username, joined_seq, device_id`,
      [conversationId],
    );
    return list.map(toMember);
  }

  async listOfUser(username: string): Promise<ConversationRecord[]> {
    const list = await rows<ConversationRow>(
      this.pool,
      `SELECT ${CONVERSATION_COLUMNS} FROM conversations WHERE conversation_id IN
         (SELECT conversation_id FROM members WHERE username = $1 AND removed_seq IS NULL)
       ORDER BY created_at DESC, conversation_id`,
      [username],
    );
    return list.map(toConversation);
  }

  async groupInfo(conversationId: string): Promise<{ epoch: number; groupInfo: string | null } | null> {
    const r = await first<{ epoch: number; group_info: string | null }>(
      this.pool,
      "SELECT epoch, group_info FROM conversations WHERE conversation_id = $1",
      [conversationId],
    );
    return r ? { epoch: r.epoch, groupInfo: r.group_info } : null;
  }

  appendCommit(input: CommitInput): Promise<CommitOutcome> {
    return transaction(this.pool, (c) => this.commitInTransaction(c, input));
  }

  private async commitInTransaction(c: pg.PoolClient, input: CommitInput): Promise<CommitOutcome> {
    const conv = await lockConversation(c, input.conversationId);
    if (!conv) return { kind: "conversationNotFound" };
    const prior = await priorMessage(c, input.conversationId, input.messageId, input.sender.deviceId);
    if (prior) return prior.kind === "duplicate" ? prior : { kind: "messageIdTaken" };

    const caller = await activeMember(c, conv.conversation_id, input.sender.deviceId);
    if (input.external) {
      if (caller) return { kind: "alreadyMember", deviceId: input.sender.deviceId };
      if (!(await userIsMember(c, conv.conversation_id, input.sender.username))) return { kind: "notMember" };
    } else if (!caller) {
      return { kind: "notMember" };
    }
    if (input.epoch !== conv.epoch) return { kind: "staleEpoch", epoch: conv.epoch };

    const add = input.external ? [input.sender.deviceId] : input.add;
    const directUsers = conv.direct_users?.split("\n") ?? null;
    // Devices being added are locked (in a fixed order): a revocation racing this commit either
    // finishes first, and is seen here, or waits and then finds the new membership to remove.
    const locked = new Map<string, DeviceRow>();
    for (const deviceId of [...new Set(add)].sort()) {
      const row = await first<DeviceRow>(c, "SELECT * FROM devices WHERE device_id = $1 FOR UPDATE", [deviceId]);
      if (row) locked.set(deviceId, row);
    }
    for (const deviceId of add) {
      const device = locked.get(deviceId);
      if (!device) return { kind: "deviceNotFound", deviceId };
      if (device.revoked_at !== null) return { kind: "deviceRevoked", deviceId };
      if (!input.external && (await activeMember(c, conv.conversation_id, deviceId))) return { kind: "alreadyMember", deviceId };
      if (directUsers && !directUsers.includes(device.username)) return { kind: "notParticipant", deviceId };
    }
    // Devices the server already removed (revoked, or their user left) may still hold MLS leaves:
    // members' clients remove them with a later commit, so any registered device may be listed.
    const removedNow: string[] = [];
    for (const deviceId of input.remove) {
      if (!(await first(c, "SELECT 1 FROM devices WHERE device_id = $1", [deviceId]))) return { kind: "deviceNotFound", deviceId };
      if (await activeMember(c, conv.conversation_id, deviceId)) removedNow.push(deviceId);
    }
    const count = await first<{ n: number }>(
      c,
      "SELECT COUNT(*) AS n FROM members WHERE conversation_id = $1 AND removed_seq IS NULL",
      [conv.conversation_id],
    );
    if ((count?.n ?? 0) + add.length - removedNow.length > input.maxMembers) return { kind: "tooManyMembers" };

    const oldEpoch = conv.epoch;
    const newEpoch = oldEpoch + 1;
    const seq = await appendEntry(c, conv, {
      kind: "commit",
      epoch: oldEpoch,
      messageId: input.messageId,
      senderUsername: input.sender.username,
      senderDevice: input.sender.deviceId,
      sentAt: input.now,
      data: input.commit,
      meta: { add, remove: input.remove, external: input.external },
    });
    await recordMessageId(c, input.conversationId, input.messageId, input.sender.deviceId, seq, newEpoch, input.now);
    await c.query("UPDATE conversations SET epoch = $1, group_info = $2 WHERE conversation_id = $3", [
      newEpoch,
      input.groupInfo,
      conv.conversation_id,
    ]);
    for (const deviceId of removedNow) {
      await c.query("UPDATE members SET removed_seq = $1, removed_at = $2 WHERE conversation_id = $3 AND device_id = $4", [
        seq,
        input.now,
        conv.conversation_id,
        deviceId,
      ]);
    }
    for (const deviceId of add) {
      const device = locked.get(deviceId)!;
      await c.query(
        `INSERT INTO members (conversation_id, device_id, username, joined_seq, cursor) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (conversation_id, device_id) DO UPDATE SET
           joined_seq = excluded.joined_seq, cursor = excluded.cursor, removed_seq = NULL, removed_at = NULL`,
        [conv.conversation_id, deviceId, device.username, seq],
      );
      if (!input.external && input.welcome !== null) {
        const next = await first<{ welcome_seq: number }>(
          c,
          "UPDATE devices SET welcome_seq = welcome_seq + 1 WHERE device_id = $1 RETURNING welcome_seq",
          [deviceId],
        );
        await c.query(
          `INSERT INTO welcomes (device_id, seq, conversation_id, commit_seq, epoch, sender_username, sender_device, sent_at, data)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [deviceId, next!.welcome_seq, conv.conversation_id, seq, newEpoch, input.sender.username, input.sender.deviceId, input.now, input.welcome],
        );
      }
    }
    await passOwnEntry(c, conv.conversation_id, input.sender.deviceId, seq);
    return { kind: "ok", seq, epoch: newEpoch, added: add, removed: removedNow };
  }

  /**
   * Appends of one event-loop turn go to PostgreSQL as one statement
   * (parley_append_application_batch in hotPathFunctions.ts): one round trip and one COMMIT for
   * all of them; every caller's promise settles after that commit.
   */
  appendApplication(input: ApplicationInput): Promise<AppendOutcome> {
    return this.appends.add(input);
  }

  /** One group: the batch function appends its items in array order, in one statement. */
  appendApplications(inputs: readonly ApplicationInput[]): Promise<AppendOutcome>[] {
    return this.appends.addGroup(inputs);
  }

  private readonly appends = new TurnBatcher<ApplicationInput, AppendOutcome>(async (items) => {
    const list = await retrying(() =>
      rows<{ out_index: number; out_kind: string; out_seq: number | null }>(
        this.pool,
        `SELECT out_index, out_kind, out_seq FROM parley_append_application_batch(
           $1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])`,
        [
          items.map((i) => i.conversationId),
          items.map((i) => i.messageId),
          items.map((i) => i.sender.username),
          items.map((i) => i.sender.deviceId),
          items.map((i) => i.epoch),
          items.map((i) => i.now),
          items.map((i) => i.ciphertext),
        ],
      ),
    );
    const results = new Array<AppendOutcome>(items.length);
    for (const r of list) results[r.out_index - 1] = toAppendOutcome(r.out_kind, r.out_seq);
    return results;
  });

  leave(conversationId: string, username: string, now: number): Promise<LeaveOutcome> {
    return transaction(this.pool, async (c): Promise<LeaveOutcome> => {
      const conv = await lockConversation(c, conversationId);
      if (!conv) return { kind: "conversationNotFound" };
      const devices = (
        await rows<{ device_id: string }>(
          c,
          "SELECT device_id FROM members WHERE conversation_id = $1 AND username = $2 AND removed_seq IS NULL ORDER BY device_id",
          [conversationId, username],
        )
      ).map((r) => r.device_id);
      if (devices.length === 0) return { kind: "notMember" };
      const seq = await appendSystemEntry(c, conv, now, { event: "left", username, deviceIds: devices });
      await c.query(
        "UPDATE members SET removed_seq = $1, removed_at = $2 WHERE conversation_id = $3 AND username = $4 AND removed_seq IS NULL",
        [seq, now, conversationId, username],
      );
      // A direct conversation one side has left is no longer "the" conversation between the two.
      await c.query("UPDATE conversations SET direct_key = NULL WHERE conversation_id = $1", [conversationId]);
      return { kind: "ok", seq, deviceIds: devices };
    });
  }
}

function toAppendOutcome(kind: string, seq: number | null): AppendOutcome {
  switch (kind) {
    case "ok":
      return { kind: "ok", seq: seq! };
    case "duplicate":
      return { kind: "duplicate", seq: seq! };
    case "messageIdTaken":
    case "notMember":
    case "conversationNotFound":
      return { kind };
    default:
      throw new Error(`parley_append_application returned ${kind}`);
  }
}

async function activeMember(q: Queryable, conversationId: string, deviceId: string): Promise<boolean> {
  return !!(await first(q, "SELECT 1 FROM members WHERE conversation_id = $1 AND device_id = $2 AND removed_seq IS NULL", [
    conversationId,
    deviceId,
  ]));
}

async function userIsMember(q: Queryable, conversationId: string, username: string): Promise<boolean> {
  return !!(await first(q, "SELECT 1 FROM members WHERE conversation_id = $1 AND username = $2 AND removed_seq IS NULL LIMIT 1", [
    conversationId,
    username,
  ]));
}

/** A retry by the same device is a duplicate; the same id from another device is refused. */
async function priorMessage(
  q: Queryable,
  conversationId: string,
  messageId: string,
  deviceId: string,
): Promise<{ kind: "duplicate"; seq: number; epoch: number } | { kind: "taken" } | null> {
  const r = await first<{ sender_device: string; seq: number; epoch: number }>(
    q,
    "SELECT sender_device, seq, epoch FROM message_ids WHERE conversation_id = $1 AND message_id = $2",
    [conversationId, messageId],
  );
  if (!r) return null;
  return r.sender_device === deviceId ? { kind: "duplicate", seq: r.seq, epoch: r.epoch } : { kind: "taken" };
}

async function recordMessageId(
  q: Queryable,
  conversationId: string,
  messageId: string,
  deviceId: string,
  seq: number,
  epoch: number,
  now: number,
): Promise<void> {
  await q.query(
    "INSERT INTO message_ids (conversation_id, message_id, sender_device, seq, epoch, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    [conversationId, messageId, deviceId, seq, epoch, now],
  );
}

/**
 * A device is never sent its own entries; if it had acked everything before this one, its cursor
 * moves over it at once, so that retention need not wait for an ack that will never come.
 */
async function passOwnEntry(q: Queryable, conversationId: string, deviceId: string, seq: number): Promise<void> {
  await q.query(
    "UPDATE members SET cursor = $1 WHERE conversation_id = $2 AND device_id = $3 AND cursor = $4 AND removed_seq IS NULL",
    [seq, conversationId, deviceId, seq - 1],
  );
}
