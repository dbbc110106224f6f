/**
 * Puts bench accounts, sessions, devices and conversations straight into a Store, so a fan-out run
 * does not spend minutes on OPAQUE logins and MLS commits it is not measuring (logins are scenario
 * 3, commits scenario 4). Every client still authenticates over the WebSocket with
 * `session.resume`, and the conversations are ordinary ones (creator, then one add commit).
 */
import { createHash, randomBytes } from "node:crypto";
import type { Store } from "@parley/server";

export interface SeedSpec {
  /** `count` conversations of `members` devices each; every device is its own user. */
  groups: { members: number; count: number }[];
  /** Users with a device but no conversation (the idle-connections scenario). */
  loners?: number;
  /** Starts every username, so that several seeders can fill one shared store side by side. */
  namePrefix?: string;
  /**
   * Users written at once. PostgreSQL commits overlapping transactions together (one WAL flush
   * for many), so seeding 100k users there takes seconds instead of minutes; SQLite does not mind.
   */
  concurrency?: number;
}

export interface SeededClient {
  token: string;
  username: string;
  deviceId: string;
  /** The conversation it is in, or null for a loner. */
  conversationId: string | null;
  /** The instance it connects to, where several serve one store (scale-out runs); else the run's one. */
  wsUrl?: string;
}

export interface Seeded {
  conversations: { conversationId: string; members: number }[];
  clients: SeededClient[];
}

const id = () => randomBytes(16).toString("base64url");
const B64_32 = Buffer.alloc(32, 1).toString("base64");
const DAY = 86_400_000;
/** The store's own limit on one commit's add list is the protocol's maxDevicesPerCommit. */
const ADD_PER_COMMIT = 1000;

async function seedClient(store: Store, username: string, now: number): Promise<SeededClient> {
  const token = randomBytes(32).toString("base64url");
  const tokenHash = new Uint8Array(createHash("sha256").update(token, "utf8").digest());
  const deviceId = id();
  const user = await store.createUser({ username, opaqueRecord: "bench", identityKey: B64_32, backup: "", createdAt: now });
  if (user.kind !== "ok") throw new Error(`seed: user ${username}: ${user.kind}`);
  await store.createSession({ tokenHash, username, deviceId: null, createdAt: now, expiresAt: now + DAY });
  const device = await store.registerDevice(
    { deviceId, username, name: "bench", credential: B64_32, signatureKey: B64_32, createdAt: now },
    tokenHash,
    50,
  );
  if (device.kind !== "ok") throw new Error(`seed: device: ${device.kind}`);
  return { token, username, deviceId, conversationId: null };
}

/** `count` users named from `first` on, `concurrency` at a time, in order. */
async function seedClients(store: Store, prefix: string, first: number, count: number, concurrency: number, now: number): Promise<SeededClient[]> {
  const out: SeededClient[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) out[i] = await seedClient(store, `${prefix}${first + i}`, now);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, worker));
  return out;
}

export async function seed(store: Store, spec: SeedSpec, now = Date.now()): Promise<Seeded> {
  const out: Seeded = { conversations: [], clients: [] };
  const prefix = spec.namePrefix ?? "b";
  const concurrency = spec.concurrency ?? 1;
  let n = 0;
  for (const group of spec.groups) {
    for (let c = 0; c < group.count; c++) {
      const members = await seedClients(store, prefix, n, group.members, concurrency, now);
      n += group.members;
      const conversationId = id();
      const creator = members[0]!;
      const created = await store.createConversation({
        conversationId,
        kind: "group",
        name: "",
        creator: { username: creator.username, deviceId: creator.deviceId },
        peer: null,
        groupInfo: null,
        createdAt: now,
      });
      if (created.kind !== "ok") throw new Error(`seed: conversation: ${created.kind}`);
      const others = members.slice(1).map((m) => m.deviceId);
      for (let epoch = 0, i = 0; i < others.length; epoch++, i += ADD_PER_COMMIT) {
        const commit = await store.appendCommit({
          conversationId,
          sender: { username: creator.username, deviceId: creator.deviceId },
          epoch,
          messageId: id(),
          commit: B64_32,
          groupInfo: B64_32,
          welcome: B64_32,
          add: others.slice(i, i + ADD_PER_COMMIT),
          remove: [],
          external: false,
          maxMembers: 100_000,
          now,
        });
        if (commit.kind !== "ok") throw new Error(`seed: commit: ${commit.kind}`);
      }
      for (const m of members) m.conversationId = conversationId;
      out.conversations.push({ conversationId, members: members.length });
      out.clients.push(...members);
    }
  }
  out.clients.push(...(await seedClients(store, prefix, n, spec.loners ?? 0, concurrency, now)));
  return out;
}
