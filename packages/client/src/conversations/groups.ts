import { MlsGroup, decodeDeviceCredential, type MlsMember, type MlsSigner } from "@parley/crypto";
import { ClientErrorCode, ParleyError } from "../errors.js";
import type { LocalStore } from "../store/LocalStore.js";
import { KeyedMutex } from "../util/mutex.js";

export type Validator = (credentialIdentity: Uint8Array, signaturePublicKey: Uint8Array) => Promise<boolean>;

/** Who a group member is, read from its (already validated) credential. */
export interface MemberIdentity {
  leafIndex: number;
  username: string;
  deviceId: string;
}

export function identify(m: MlsMember): MemberIdentity | undefined {
  try {
    const c = decodeDeviceCredential(m.credentialIdentity);
    return { leafIndex: m.leafIndex, username: c.username, deviceId: c.deviceId };
  } catch {
    return undefined;
  }
}

export const groupIdOf = (conversationId: string) => new TextEncoder().encode(`parley:${conversationId}`);

/**
 * This device's MLS groups: loaded from the local store on first use, cached, and changed under a
 * per-conversation lock so inbound processing and outbound sends never interleave on one state.
 * Every change is saved before anything leaves the device.
 */
export class Groups {
  private readonly cache = new Map<string, MlsGroup>();
  private readonly lock = new KeyedMutex();
  private readonly epochWaiters = new Map<string, Array<{ epoch: number; resolve: () => void }>>();

  constructor(
    private readonly store: LocalStore,
    private readonly signer: MlsSigner,
    private readonly validate: Validator,
  ) {}

  /** Runs `task` with exclusive access to the conversation's group (undefined if not joined). */
  with<T>(conversationId: string, task: (group: MlsGroup | undefined) => Promise<T>): Promise<T> {
    return this.lock.run(conversationId, async () => task(await this.load(conversationId)));
  }

  /** Like `with`, but the group must exist. */
  withJoined<T>(conversationId: string, task: (group: MlsGroup) => Promise<T>): Promise<T> {
    return this.with(conversationId, async (g) => {
      if (!g) throw new ParleyError(ClientErrorCode.NotJoined, `this device has not joined conversation ${conversationId}`);
      return task(g);
    });
  }

  private async load(conversationId: string): Promise<MlsGroup | undefined> {
    const cached = this.cache.get(conversationId);
    if (cached) return cached;
    const stored = await this.store.getGroup(conversationId);
    if (!stored) return undefined;
    const group = await MlsGroup.restore(stored.state, this.signer, this.validate);
    this.cache.set(conversationId, group);
    return group;
  }

  /** Adopts a group this device just created or joined (caller holds the lock or owns the id). */
  adopt(conversationId: string, group: MlsGroup): void {
    this.cache.set(conversationId, group);
    this.notifyEpoch(conversationId, group.epoch);
  }

  create(conversationId: string): Promise<MlsGroup> {
    return MlsGroup.create(groupIdOf(conversationId), this.signer, this.validate);
  }

  joinFromWelcome(
    welcome: Uint8Array,
    find: (ref: string) => Promise<{ keyPackage: Uint8Array; privateState: Uint8Array } | undefined>,
  ): Promise<{ group: MlsGroup; usedRef: string }> {
    return MlsGroup.joinFromWelcome(welcome, find, this.signer, this.validate);
  }

  joinExternal(groupInfo: Uint8Array) {
    return MlsGroup.joinExternal(groupInfo, this.signer, this.validate);
  }

  forget(conversationId: string): void {
    this.cache.delete(conversationId);
  }

  async save(conversationId: string, group: MlsGroup, processedSeq?: number): Promise<void> {
    await this.store.saveGroup(conversationId, group.serialize(), group.epoch, processedSeq);
    this.notifyEpoch(conversationId, group.epoch);
  }

  notifyEpoch(conversationId: string, epoch: number): void {
    const list = this.epochWaiters.get(conversationId);
    if (!list) return;
    const keep = list.filter((w) => {
      if (epoch >= w.epoch) {
        w.resolve();
        return false;
      }
      return true;
    });
    if (keep.length) this.epochWaiters.set(conversationId, keep);
    else this.epochWaiters.delete(conversationId);
  }

  /** Resolves once this device has processed the conversation up to `epoch` (or after timeoutMs). */
  async waitForEpoch(conversationId: string, epoch: number, timeoutMs: number): Promise<boolean> {
    const current = await this.with(conversationId, async (g) => g?.epoch ?? -1);
    if (current >= epoch) return true;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      const list = this.epochWaiters.get(conversationId) ?? [];
      list.push({
        epoch,
        resolve: () => {
          clearTimeout(t);
          resolve(true);
        },
      });
      this.epochWaiters.set(conversationId, list);
    });
  }
}
