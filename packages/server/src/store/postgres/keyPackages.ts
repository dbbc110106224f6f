import type pg from "pg";
import type { ClaimedKeyPackage, KeyPackageCounts } from "../Store.js";
import { first, rows, transaction, type Queryable } from "./db.js";

/** MLS key packages: several one-time ones and one last-resort one per device. */
export class PostgresKeyPackages {
  constructor(private readonly pool: pg.Pool) {}

  async count(deviceId: string, q: Queryable = this.pool): Promise<KeyPackageCounts> {
    const r = await first<{ one_time: number; last_resort: number }>(
      q,
      `SELECT COUNT(*) FILTER (WHERE NOT last_resort)::int AS one_time, COUNT(*) FILTER (WHERE last_resort)::int AS last_resort
       FROM key_packages WHERE device_id = $1`,
      [deviceId],
    );
    return { oneTime: r?.one_time ?? 0, lastResort: (r?.last_resort ?? 0) > 0 };
  }

  upload(
    deviceId: string,
    oneTime: string[],
    lastResort: string | null,
    maxOneTime: number,
    now: number,
  ): Promise<{ kind: "ok"; counts: KeyPackageCounts } | { kind: "quotaExceeded"; counts: KeyPackageCounts }> {
    return transaction(this.pool, async (c) => {
      // The device row lock keeps count-then-insert exact when two uploads race.
      await c.query("SELECT 1 FROM devices WHERE device_id = $1 FOR UPDATE", [deviceId]);
      const before = await this.count(deviceId, c);
      if (before.oneTime + oneTime.length > maxOneTime) return { kind: "quotaExceeded" as const, counts: before };
      if (oneTime.length > 0) {
        await c.query(
          `INSERT INTO key_packages (device_id, last_resort, data, created_at)
           SELECT $1, false, data, $3 FROM unnest($2::text[]) WITH ORDINALITY AS t(data, n) ORDER BY n`,
          [deviceId, oneTime, now],
        );
      }
      if (lastResort !== null) {
        await c.query("DELETE FROM key_packages WHERE device_id = $1 AND last_resort", [deviceId]);
        await c.query("INSERT INTO key_packages (device_id, last_resort, data, created_at) VALUES ($1, true, $2, $3)", [
          deviceId,
          lastResort,
          now,
        ]);
      }
      return { kind: "ok" as const, counts: await this.count(deviceId, c) };
    });
  }

  claim(username: string, exceptDeviceId: string): Promise<ClaimedKeyPackage[]> {
    return transaction(this.pool, async (c) => {
      const devices = await rows<{ device_id: string }>(
        c,
        `SELECT device_id FROM devices WHERE username = $1 AND revoked_at IS NULL AND device_id <> $2
         ORDER BY created_at, device_id`,
        [username, exceptDeviceId],
      );
      const out: ClaimedKeyPackage[] = [];
      for (const { device_id } of devices) {
        // SKIP LOCKED: a package another instance is handing out right now is passed over, never
        // handed out twice, and this claim does not wait for that one to finish.
        const oneTime = await first<{ data: string }>(
          c,
          `DELETE FROM key_packages WHERE id = (
             SELECT id FROM key_packages WHERE device_id = $1 AND NOT last_resort ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
           ) RETURNING data`,
          [device_id],
        );
        if (oneTime) {
          out.push({ deviceId: device_id, keyPackage: oneTime.data });
          continue;
        }
        const fallback = await first<{ data: string }>(
          c,
          "SELECT data FROM key_packages WHERE device_id = $1 AND last_resort LIMIT 1",
          [device_id],
        );
        if (fallback) out.push({ deviceId: device_id, keyPackage: fallback.data });
      }
      return out;
    });
  }
}
