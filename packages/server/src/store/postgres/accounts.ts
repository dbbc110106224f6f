import type pg from "pg";
import type {
  AppendedEntry,
  DeviceRecord,
  NewDevice,
  RegisterDeviceOutcome,
  RevokeDeviceOutcome,
  SessionRecord,
  UserRecord,
} from "../Store.js";
import { changes, first, rows, transaction, type Queryable } from "./db.js";
import { toDevice, toSession, toUser, type DeviceRow, type SessionRow, type UserRow } from "../rows.js";
import { appendSystemEntry, lockConversation } from "./log.js";
import { TurnBatcher } from "./turnBatcher.js";

export function selectDevice(q: Queryable, deviceId: string): Promise<DeviceRow | undefined> {
  return first<DeviceRow>(q, "SELECT * FROM devices WHERE device_id = $1", [deviceId]);
}

/** Users, sessions and devices. */
export class PostgresAccounts {
  constructor(private readonly pool: pg.Pool) {}

  async createUser(u: UserRecord): Promise<{ kind: "ok" } | { kind: "usernameTaken" }> {
    const n = await changes(
      this.pool,
      `INSERT INTO users (username, opaque_record, identity_key, backup, created_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (username) DO NOTHING`,
      [u.username, u.opaqueRecord, u.identityKey, u.backup, u.createdAt],
    );
    return n === 1 ? { kind: "ok" } : { kind: "usernameTaken" };
  }

  async getUser(username: string): Promise<UserRecord | null> {
    const r = await first<UserRow>(this.pool, "SELECT * FROM users WHERE username = $1", [username]);
    return r ? toUser(r) : null;
  }

  async createSession(s: SessionRecord): Promise<void> {
    await this.pool.query(
      "INSERT INTO sessions (token_hash, username, device_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
      [Buffer.from(s.tokenHash), s.username, s.deviceId, s.createdAt, s.expiresAt],
    );
  }

  /**
   * Session look-ups of one event-loop turn (a wave of reconnecting clients resuming) go as one
   * query. Inside a transaction, and to lock the row, use lockSession.
   */
  getSession(tokenHash: Uint8Array): Promise<SessionRecord | null> {
    return this.sessionReads.add(tokenHash);
  }

  private readonly sessionReads = new TurnBatcher<Uint8Array, SessionRecord | null>(async (hashes) => {
    const keys = hashes.map((h) => Buffer.from(h));
    const found = new Map(
      (await rows<SessionRow>(this.pool, "SELECT * FROM sessions WHERE token_hash = ANY($1::bytea[])", [keys])).map((r) => [
        Buffer.from(r.token_hash).toString("hex"),
        r,
      ]),
    );
    return keys.map((k) => {
      const r = found.get(k.toString("hex"));
      return r ? toSession(r) : null;
    });
  });

  /** The session row, locked until `c`'s transaction ends. */
  async lockSession(c: pg.PoolClient, tokenHash: Uint8Array): Promise<SessionRecord | null> {
    const r = await first<SessionRow>(c, "SELECT * FROM sessions WHERE token_hash = $1 FOR UPDATE", [
      Buffer.from(tokenHash),
    ]);
    return r ? toSession(r) : null;
  }

  async deleteSession(tokenHash: Uint8Array): Promise<void> {
    await this.pool.query("DELETE FROM sessions WHERE token_hash = $1", [Buffer.from(tokenHash)]);
  }

  registerDevice(d: NewDevice, sessionTokenHash: Uint8Array, maxDevices: number): Promise<RegisterDeviceOutcome> {
    return transaction(this.pool, async (c): Promise<RegisterDeviceOutcome> => {
      // The session row lock makes one of two concurrent registrations on a session win; the user
      // row lock keeps the per-user device count exact.
      const session = await this.lockSession(c, sessionTokenHash);
      if (!session || session.username !== d.username) return { kind: "sessionInvalid" };
      if (session.deviceId !== null) return { kind: "sessionBound" };
      await c.query("SELECT 1 FROM users WHERE username = $1 FOR UPDATE", [d.username]);
      if (await selectDevice(c, d.deviceId)) return { kind: "deviceExists" };
      const count = await first<{ n: number }>(
        c,
        "SELECT COUNT(*) AS n FROM devices WHERE username = $1 AND revoked_at IS NULL",
        [d.username],
      );
      if ((count?.n ?? 0) >= maxDevices) return { kind: "quotaExceeded" };
      const inserted = await changes(
        c,
        `INSERT INTO devices (device_id, username, name, credential, signature_key, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (device_id) DO NOTHING`,
        [d.deviceId, d.username, d.name, d.credential, d.signatureKey, d.createdAt],
      );
      if (inserted === 0) return { kind: "deviceExists" };
      await c.query("UPDATE sessions SET device_id = $1 WHERE token_hash = $2", [d.deviceId, Buffer.from(sessionTokenHash)]);
      return { kind: "ok" };
    });
  }

  /** The gateway's revocation check: served by the same per-turn batch as getDevice. */
  async isDeviceActive(deviceId: string): Promise<boolean> {
    const device = await this.deviceReads.add(deviceId);
    return device !== null && device.revokedAt === null;
  }

  /**
   * Device reads of one event-loop turn (the gateway checks the device before every
   * device-level request) go as one query, each device read once.
   */
  getDevice(deviceId: string): Promise<DeviceRecord | null> {
    return this.deviceReads.add(deviceId);
  }

  private readonly deviceReads = new TurnBatcher<string, DeviceRecord | null>(async (ids) => {
    const distinct = [...new Set(ids)];
    const found = new Map(
      (await rows<DeviceRow>(this.pool, "SELECT * FROM devices WHERE device_id = ANY($1::text[])", [distinct])).map((r) => [r.device_id, r]),
    );
    return ids.map((id) => {
      const r = found.get(id);
      return r ? toDevice(r) : null;
    });
  });

  async listDevices(username: string): Promise<DeviceRecord[]> {
    const list = await rows<DeviceRow>(this.pool, "SELECT * FROM devices WHERE username = $1 ORDER BY created_at, device_id", [
      username,
    ]);
    return list.map(toDevice);
  }

  revokeDevice(deviceId: string, now: number): Promise<RevokeDeviceOutcome> {
    return transaction(this.pool, async (c): Promise<RevokeDeviceOutcome> => {
      const device = await first<DeviceRow>(c, "SELECT * FROM devices WHERE device_id = $1 FOR UPDATE", [deviceId]);
      if (!device) return { kind: "notFound" };
      if (device.revoked_at !== null) return { kind: "ok", appended: [], alreadyRevoked: true };
      await c.query("UPDATE devices SET revoked_at = $1 WHERE device_id = $2", [now, deviceId]);
      await c.query("DELETE FROM key_packages WHERE device_id = $1", [deviceId]);
      await c.query("DELETE FROM sessions WHERE device_id = $1", [deviceId]);
      await c.query("DELETE FROM welcomes WHERE device_id = $1", [deviceId]);
      const memberships = await rows<{ conversation_id: string }>(
        c,
        "SELECT conversation_id FROM members WHERE device_id = $1 AND removed_seq IS NULL ORDER BY conversation_id",
        [deviceId],
      );
      const appended: AppendedEntry[] = [];
      for (const { conversation_id } of memberships) {
        const conv = (await lockConversation(c, conversation_id))!;
        const seq = await appendSystemEntry(c, conv, now, { event: "revoked", username: device.username, deviceIds: [deviceId] });
        await c.query(
          "UPDATE members SET removed_seq = $1, removed_at = $2 WHERE conversation_id = $3 AND device_id = $4",
          [seq, now, conversation_id, deviceId],
        );
        appended.push({ conversationId: conversation_id, seq });
      }
      return { kind: "ok", appended, alreadyRevoked: false };
    });
  }
}
