import { constantTimeEqual, decodeDeviceCredential, makeCredentialValidator } from "@parley/crypto";
import { ErrorCode, fromBase64 } from "@parley/protocol";
import { ClientErrorCode, ParleyError, isParleyError } from "../errors.js";
import type { LocalStore, Pin } from "../store/LocalStore.js";

/** How the pin store asks the server for an account's current key (user.lookup). */
export type AccountKeyLookup = (username: string) => Promise<Uint8Array | undefined>;

/**
 * Trust on first use for account identity keys. The first key seen for a username is pinned; a
 * different key later is never accepted silently: the pin records it as `changedKey`, a
 * `key-changed` event fires, and sends to that user are refused until the user accepts it.
 */
export class Pins {
  private readonly cache = new Map<string, Pin>();

  constructor(
    private readonly store: LocalStore,
    private readonly lookup: AccountKeyLookup,
    private readonly onKeyChanged: (username: string) => void,
  ) {}

  async get(username: string): Promise<Pin | undefined> {
    const cached = this.cache.get(username);
    if (cached) return cached;
    const pin = await this.store.getPin(username);
    if (pin) this.cache.set(username, pin);
    return pin;
  }

  /** Records a key the server presented for `username`; pins it if new, flags it if different. */
  async observe(username: string, key: Uint8Array): Promise<Pin> {
    const pin = await this.get(username);
    if (!pin) {
      const fresh: Pin = { username, accountKey: key, verified: false, changedKey: null, firstSeen: Date.now() };
      await this.save(fresh);
      return fresh;
    }
    if (constantTimeEqual(pin.accountKey, key)) return pin;
    if (!pin.changedKey || !constantTimeEqual(pin.changedKey, key)) {
      const flagged = { ...pin, changedKey: key };
      await this.save(flagged);
      this.onKeyChanged(username);
      return flagged;
    }
    return pin;
  }

  /** The pinned key of `username`, pinning what the server says on first use. */
  async accountKeyOf(username: string): Promise<Uint8Array | undefined> {
    const pin = await this.get(username);
    if (pin) return pin.accountKey;
    const key = await this.lookup(username);
    if (!key) return undefined;
    return (await this.observe(username, key)).accountKey;
  }

  /** Throws KEY_CHANGED if any of these users has an unaccepted key change. */
  async assertUnchanged(usernames: Iterable<string>): Promise<void> {
    for (const u of usernames) {
      const pin = await this.get(u);
      if (pin?.changedKey) {
        throw new ParleyError(
          ClientErrorCode.KeyChanged,
          `${u}'s account key changed: compare safety numbers, then accept it with 'parley trust ${u}'`,
          { username: u },
        );
      }
    }
  }

  /** Accepts a changed key (after the user compared safety numbers). */
  async accept(username: string): Promise<void> {
    const pin = await this.get(username);
    if (!pin?.changedKey) return;
    await this.save({ ...pin, accountKey: pin.changedKey, changedKey: null, verified: false });
  }

  async setVerified(username: string, verified: boolean): Promise<void> {
    const pin = await this.get(username);
    if (!pin) throw new ParleyError(ErrorCode.UserNotFound, `no key pinned for ${username} yet`);
    await this.save({ ...pin, verified });
  }

  /**
   * The MLS authentication service for this client: a credential must be signed by the pinned
   * account key of the username it names. A credential signed by another key flags a key change.
   */
  validator(): (credentialIdentity: Uint8Array, signaturePublicKey: Uint8Array) => Promise<boolean> {
    const check = makeCredentialValidator((u) => this.accountKeyOf(u).catch(() => undefined));
    return async (identity, sigKey) => {
      let cred;
      try {
        cred = decodeDeviceCredential(identity);
      } catch {
        return false;
      }
      const pinned = await this.accountKeyOf(cred.username).catch((e: unknown) => {
        if (isParleyError(e)) return undefined;
        throw e;
      });
      if (pinned && !constantTimeEqual(pinned, cred.accountKey)) {
        await this.observe(cred.username, cred.accountKey);
        return false;
      }
      return check(identity, sigKey);
    };
  }

  private async save(pin: Pin): Promise<void> {
    this.cache.set(pin.username, pin);
    await this.store.putPin(pin);
  }
}

export function lookupVia(request: (username: string) => Promise<{ identityKey: string }>): AccountKeyLookup {
  return async (username) => {
    try {
      return fromBase64((await request(username)).identityKey);
    } catch (e) {
      if (isParleyError(e, ErrorCode.UserNotFound)) return undefined;
      throw e;
    }
  };
}
