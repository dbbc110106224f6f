import type { Database } from "better-sqlite3";
import type { ClaimedKeyPackage, KeyPackageCounts } from "../Store.js";
import { sql } from "./statements.js";

/** MLS key packages: several one-time ones and one last-resort one per device. */
export class SqliteKeyPackages {
  constructor(private readonly db: Database) {}

  count(deviceId: string): KeyPackageCounts {
    const r = sql(
      this.db,
      `SELECT COALESCE(SUM(last_resort = 0), 0) AS one_time, COALESCE(SUM(last_resort = 1), 0) AS last_resort
       FROM key_packages WHERE device_id = ?`,
    ).get(deviceId) as { one_time: number; last_resort: number };
    return { oneTime: r.one_time, lastResort: r.last_resort > 0 };
  }

  upload(
    deviceId: string,
    oneTime: string[],
    lastResort: string | null,
    maxOneTime: number,
    now: number,
  ): { kind: "ok"; counts: KeyPackageCounts } | { kind: "quotaExceeded"; counts: KeyPackageCounts } {
    const db = this.db;
    return db
      .transaction(() => {
        const before = this.count(deviceId);
        if (before.oneTime + oneTime.length > maxOneTime) return { kind: "quotaExceeded" as const, counts: before };
        const insert = sql(
          db,
          "INSERT INTO key_packages (device_id, last_resort, data, created_at) VALUES (?, ?, ?, ?)",
        );
        for (const kp of oneTime) insert.run(deviceId, 0, kp, now);
        if (lastResort !== null) {
          sql(db, "DELETE FROM key_packages WHERE device_id = ? AND last_resort = 1").run(deviceId);
          insert.run(deviceId, 1, lastResort, now);
        }
        return { kind: "ok" as const, counts: this.count(deviceId) };
      })
      .immediate();
  }

  claim(username: string, exceptDeviceId: string): ClaimedKeyPackage[] {
    const db = this.db;
    return db
      .transaction(() => {
        const devices = sql(
          db,
          `SELECT device_id FROM devices WHERE username = ? AND revoked_at IS NULL AND device_id <> ?
           ORDER BY created_at, device_id`,
        ).all(username, exceptDeviceId) as { device_id: string }[];
        const out: ClaimedKeyPackage[] = [];
        for (const { device_id } of devices) {
          const oneTime = sql(
            db,
            "SELECT id, data FROM key_packages WHERE device_id = ? AND last_resort = 0 ORDER BY id LIMIT 1",
          ).get(device_id) as { id: number; data: string } | undefined;
          if (oneTime) {
            sql(db, "DELETE FROM key_packages WHERE id = ?").run(oneTime.id);
            out.push({ deviceId: device_id, keyPackage: oneTime.data });
            continue;
          }
          const fallback = sql(
            db,
            "SELECT data FROM key_packages WHERE device_id = ? AND last_resort = 1 LIMIT 1",
          ).get(device_id) as { data: string } | undefined;
          if (fallback) out.push({ deviceId: device_id, keyPackage: fallback.data });
        }
        return out;
      })
      .immediate();
  }
}
