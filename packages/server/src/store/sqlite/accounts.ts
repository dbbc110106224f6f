import type { Database } from "better-sqlite3";
import type {
  AppendedEntry,
  DeviceRecord,
  NewDevice,
  RegisterDeviceOutcome,
  RevokeDeviceOutcome,
  SessionRecord,
  UserRecord,
} from "../Store.js";
import { toDevice, toSession, toUser, type ConversationRow, type DeviceRow, type SessionRow, type UserRow } from "../rows.js";
import { appendSystemEntry } from "./log.js";
import { sql } from "./statements.js";

export function selectDevice(db: Database, deviceId: string): DeviceRow | undefined {
  return sql(db, "SELECT * FROM devices WHERE device_id = ?").get(deviceId) as DeviceRow | undefined;
}

/** Users, sessions and devices. */
export class SqliteAccounts {
  constructor(private readonly db: Database) {}

  createUser(u: UserRecord): { kind: "ok" } | { kind: "usernameTaken" } {
    const info = sql(
      this.db,
      `INSERT INTO users (username, opaque_record, identity_key, backup, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (username) DO NOTHING`,
    ).run(u.username, u.opaqueRecord, u.identityKey, u.backup, u.createdAt);
    return info.changes === 1 ? { kind: "ok" } : { kind: "usernameTaken" };
  }

  getUser(username: string): UserRecord | null {
    const r = sql(this.db, "SELECT * FROM users WHERE username = ?").get(username) as UserRow | undefined;
    return r ? toUser(r) : null;
  }

  createSession(s: SessionRecord): void {
    sql(
      this.db,
      "INSERT INTO sessions (token_hash, username, device_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    ).run(Buffer.from(s.tokenHash), s.username, s.deviceId, s.createdAt, s.expiresAt);
  }

  getSession(tokenHash: Uint8Array): SessionRecord | null {
    const r = sql(this.db, "SELECT * FROM sessions WHERE token_hash = ?").get(Buffer.from(tokenHash)) as
      | SessionRow
      | undefined;
    return r ? toSession(r) : null;
  }

  deleteSession(tokenHash: Uint8Array): void {
    sql(this.db, "DELETE FROM sessions WHERE token_hash = ?").run(Buffer.from(tokenHash));
  }

  registerDevice(d: NewDevice, sessionTokenHash: Uint8Array, maxDevices: number): RegisterDeviceOutcome {
    const db = this.db;
    return db
      .transaction((): RegisterDeviceOutcome => {
        const session = this.getSession(sessionTokenHash);
        if (!session || session.username !== d.username) return { kind: "sessionInvalid" };
        if (session.deviceId !== null) return { kind: "sessionBound" };
        if (selectDevice(db, d.deviceId)) return { kind: "deviceExists" };
        const { n } = sql(db, "SELECT COUNT(*) AS n FROM devices WHERE username = ? AND revoked_at IS NULL").get(
          d.username,
        ) as { n: number };
        if (n >= maxDevices) return { kind: "quotaExceeded" };
        sql(
          db,
          "INSERT INTO devices (device_id, username, name, credential, signature_key, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        ).run(d.deviceId, d.username, d.name, d.credential, d.signatureKey, d.createdAt);
        sql(db, "UPDATE sessions SET device_id = ? WHERE token_hash = ?").run(d.deviceId, Buffer.from(sessionTokenHash));
        return { kind: "ok" };
      })
      .immediate();
  }

  isDeviceActive(deviceId: string): boolean {
    const r = sql(this.db, "SELECT revoked_at FROM devices WHERE device_id = ?").get(deviceId) as { revoked_at: number | null } | undefined;
    return r !== undefined && r.revoked_at === null;
  }

  getDevice(deviceId: string): DeviceRecord | null {
    const r = selectDevice(this.db, deviceId);
    return r ? toDevice(r) : null;
  }

  listDevices(username: string): DeviceRecord[] {
    const rows = sql(this.db, "SELECT * FROM devices WHERE username = ? ORDER BY created_at, device_id").all(username);
    return (rows as DeviceRow[]).map(toDevice);
  }

  revokeDevice(deviceId: string, now: number): RevokeDeviceOutcome {
    const db = this.db;
    return db
      .transaction((): RevokeDeviceOutcome => {
        const device = selectDevice(db, deviceId);
        if (!device) return { kind: "notFound" };
        if (device.revoked_at !== null) return { kind: "ok", appended: [], alreadyRevoked: true };
        sql(db, "UPDATE devices SET revoked_at = ? WHERE device_id = ?").run(now, deviceId);
        sql(db, "DELETE FROM key_packages WHERE device_id = ?").run(deviceId);
        sql(db, "DELETE FROM sessions WHERE device_id = ?").run(deviceId);
        sql(db, "DELETE FROM welcomes WHERE device_id = ?").run(deviceId);
        const memberships = sql(
          db,
          `SELECT c.* FROM members m JOIN conversations c ON c.conversation_id = m.conversation_id
           WHERE m.device_id = ? AND m.removed_seq IS NULL ORDER BY c.conversation_id`,
        ).all(deviceId) as ConversationRow[];
        const appended: AppendedEntry[] = [];
        for (const conv of memberships) {
          const seq = appendSystemEntry(db, conv, now, {
            event: "revoked",
            username: device.username,
            deviceIds: [deviceId],
          });
          sql(db, "UPDATE members SET removed_seq = ?, removed_at = ? WHERE conversation_id = ? AND device_id = ?").run(
            seq,
            now,
            conv.conversation_id,
            deviceId,
          );
          appended.push({ conversationId: conv.conversation_id, seq });
        }
        return { kind: "ok", appended, alreadyRevoked: false };
      })
      .immediate();
  }
}
