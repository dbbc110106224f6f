// Proves the account key backup round-trips, fails closed on every wrong input, and has the
// documented fixed layout.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BACKUP_BYTES,
  CryptoError,
  accountKeyFromPrivateKey,
  generateAccountKey,
  openAccountKeyBackup,
  randomBytes,
  sealAccountKeyBackup,
} from "../src/index.js";

const isBackupInvalid = (e: unknown) => e instanceof CryptoError && e.code === "PARLEY_CRYPTO_BACKUP_INVALID";

const account = generateAccountKey();
const exportKey = randomBytes(64);
const backup = sealAccountKeyBackup(account, exportKey, "alice");

test("round trip gives back the same key pair", () => {
  const opened = openAccountKeyBackup(backup, exportKey, "alice");
  assert.deepEqual(opened.privateKey, account.privateKey);
  assert.deepEqual(opened.publicKey, account.publicKey);
});

test("the blob is versioned, 73 bytes, and fresh each time (random nonce)", () => {
  assert.equal(backup.length, BACKUP_BYTES);
  assert.equal(backup.length, 73);
  assert.ok(backup.length <= 4096);
  assert.equal(backup[0], 1);
  assert.notDeepEqual(sealAccountKeyBackup(account, exportKey, "alice"), backup);
});

test("a wrong export key fails", () => {
  const other = exportKey.slice();
  other[63] = (other[63] as number) ^ 1;
  assert.throws(() => openAccountKeyBackup(backup, other, "alice"), isBackupInvalid);
});

test("a wrong username fails", () => {
  assert.throws(() => openAccountKeyBackup(backup, exportKey, "alicf"), isBackupInvalid);
  assert.throws(() => openAccountKeyBackup(backup, exportKey, "Alice"), isBackupInvalid);
});

test("any changed byte fails", () => {
  for (let i = 0; i < backup.length; i++) {
    const tampered = backup.slice();
    tampered[i] = (tampered[i] as number) ^ 0x01;
    assert.throws(() => openAccountKeyBackup(tampered, exportKey, "alice"), isBackupInvalid, `byte ${i}`);
  }
});

test("truncated, extended or empty blobs fail", () => {
  assert.throws(() => openAccountKeyBackup(backup.subarray(0, 72), exportKey, "alice"), isBackupInvalid);
  assert.throws(() => openAccountKeyBackup(Uint8Array.of(...backup, 0), exportKey, "alice"), isBackupInvalid);
  assert.throws(() => openAccountKeyBackup(new Uint8Array(0), exportKey, "alice"), isBackupInvalid);
});

test("a 32-byte export key (P-256 suite size) works too", () => {
  const short = randomBytes(32);
  const sealed = sealAccountKeyBackup(account, short, "alice");
  assert.deepEqual(openAccountKeyBackup(sealed, short, "alice").privateKey, account.privateKey);
});

test("arguments are checked, naming the field", () => {
  assert.throws(() => sealAccountKeyBackup(account, randomBytes(16), "alice"), { name: "RangeError", message: /exportKey/ });
  assert.throws(() => sealAccountKeyBackup(account, "key" as unknown as Uint8Array, "alice"), { name: "TypeError", message: /exportKey/ });
  assert.throws(() => sealAccountKeyBackup(account, exportKey, ""), { name: "RangeError", message: /username/ });
  assert.throws(() => sealAccountKeyBackup(null as unknown as typeof account, exportKey, "alice"), TypeError);
  const mismatched = { publicKey: generateAccountKey().publicKey, privateKey: account.privateKey };
  assert.throws(() => sealAccountKeyBackup(mismatched, exportKey, "alice"), { name: "RangeError", message: /account.publicKey/ });
  assert.throws(() => openAccountKeyBackup([1, 2] as unknown as Uint8Array, exportKey, "alice"), { name: "TypeError", message: /backup/ });
});

test("accountKeyFromPrivateKey derives the public key and copies the private key", () => {
  const again = accountKeyFromPrivateKey(account.privateKey);
  assert.deepEqual(again.publicKey, account.publicKey);
  assert.notEqual(again.privateKey, account.privateKey);
  assert.throws(() => accountKeyFromPrivateKey(new Uint8Array(31)), RangeError);
});
