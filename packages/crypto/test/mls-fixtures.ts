/**
 * Test devices and validators for the MLS tests. Credentials are simple here: the identity is
 * the UTF-8 of "user/device", and a validator accepts an identity when it is in its allow list
 * with that exact signature key (the real Parley credential chain is tested elsewhere).
 */
import assert from "node:assert/strict";
import {
  MlsError,
  generateKeyPackage,
  generateSignatureKeyPair,
  type CredentialValidator,
  type GeneratedKeyPackage,
  type MlsGroup,
  type MlsSigner,
  type PendingCommit,
} from "../src/mls/index.js";

const utf8 = new TextEncoder();
const text = new TextDecoder();

export interface Device {
  name: string;
  signer: MlsSigner;
  /** Key packages this device uploaded, by ref, as its local store would keep them. */
  keyPackages: Map<string, GeneratedKeyPackage>;
}

export async function makeDevice(name: string): Promise<Device> {
  const { publicKey, privateKey } = await generateSignatureKeyPair();
  return {
    name,
    signer: { credentialIdentity: utf8.encode(name), signaturePublicKey: publicKey, signaturePrivateKey: privateKey },
    keyPackages: new Map(),
  };
}

export async function uploadKeyPackage(device: Device, opts?: { lastResort?: boolean }): Promise<Uint8Array> {
  const kp = await generateKeyPackage(device.signer, opts);
  device.keyPackages.set(kp.ref, kp);
  return kp.keyPackage;
}

export function finder(device: Device) {
  return async (ref: string) => device.keyPackages.get(ref);
}

/** A validator with an allow list of devices; `calls` counts what it was asked. */
export interface TestValidator extends CredentialValidator {
  allow(...devices: Device[]): void;
  deny(...devices: Device[]): void;
  calls: number;
}

export function allowList(...devices: Device[]): TestValidator {
  const allowed = new Map<string, string>();
  const key = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  const validator = (async (identity: Uint8Array, signaturePublicKey: Uint8Array) => {
    validator.calls++;
    return allowed.get(text.decode(identity)) === key(signaturePublicKey);
  }) as TestValidator;
  validator.calls = 0;
  validator.allow = (...ds) => ds.forEach((d) => allowed.set(d.name, key(d.signer.signaturePublicKey)));
  validator.deny = (...ds) => ds.forEach((d) => allowed.delete(d.name));
  validator.allow(...devices);
  return validator;
}

export function nameOf(identity: Uint8Array): string {
  return text.decode(identity);
}

export function memberNames(group: MlsGroup): string[] {
  return group.members().map((m) => nameOf(m.credentialIdentity));
}

/** Commits, "sends" (merges as the server accepted) and has every other member process the commit. */
export async function commitAndDeliver(
  committer: MlsGroup,
  make: (g: MlsGroup) => Promise<PendingCommit>,
  others: MlsGroup[],
): Promise<PendingCommit> {
  const pending = await make(committer);
  await committer.merge(pending);
  for (const other of others) {
    const processed = await other.process(pending.commit);
    assert.equal(processed.kind, "commit");
  }
  return pending;
}

/** Sends a text from one member and checks every other member reads it, with the right sender. */
export async function sendAndCheck(from: MlsGroup, fromName: string, to: MlsGroup[], message: string): Promise<void> {
  const ciphertext = await from.encrypt(utf8.encode(message));
  for (const member of to) {
    const processed = await member.process(ciphertext);
    assert.equal(processed.kind, "application");
    if (processed.kind !== "application") return;
    assert.equal(text.decode(processed.plaintext), message);
    assert.equal(nameOf(processed.sender.credentialIdentity), fromName);
    assert.equal(processed.epoch, from.epoch);
  }
}

export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof MlsError, `expected an MlsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

export function sameEpoch(groups: MlsGroup[]): void {
  const [first, ...rest] = groups;
  assert.ok(first);
  for (const g of rest) {
    assert.equal(g.epoch, first.epoch);
    assert.deepEqual(g.epochAuthenticator, first.epochAuthenticator);
  }
}

export { utf8 };
