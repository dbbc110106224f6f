// Proves the OPAQUE client wrapper works against @serenity-kit/opaque's server API called the way
// the Parley server calls it (userIdentifier = username, no identifiers, a null record for an
// unknown user): registration, login, a stable export key, and the same answer for a wrong
// password as for an unknown user.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as opaque from "@serenity-kit/opaque";
import {
  CryptoError,
  CryptoErrorCode,
  OPAQUE_KEY_STRETCHING,
  opaqueLoginFinish,
  opaqueLoginStart,
  opaqueRegisterFinish,
  opaqueRegisterStart,
} from "../src/index.js";

await opaque.ready;
const serverSetup = opaque.server.createSetup();

async function register(username: string, password: string) {
  const start = await opaqueRegisterStart(password);
  const { registrationResponse } = opaque.server.createRegistrationResponse({
    serverSetup,
    userIdentifier: username,
    registrationRequest: start.request,
  });
  return opaqueRegisterFinish(start.clientState, registrationResponse, password);
}

async function login(username: string, record: string | null, password: string) {
  const start = await opaqueLoginStart(password);
  const { loginResponse, serverLoginState } = opaque.server.startLogin({
    serverSetup,
    userIdentifier: username,
    registrationRecord: record,
    startLoginRequest: start.request,
  });
  const result = await opaqueLoginFinish(start.clientState, loginResponse, password);
  return { result, serverLoginState, loginResponse };
}

const alice = await register("alice", "correct horse battery staple");

test("registration gives a record and a 64-byte export key", () => {
  assert.equal(typeof alice.record, "string");
  assert.match(alice.record, /^[A-Za-z0-9_-]+$/);
  assert.equal(alice.exportKey.length, 64);
  assert.equal(alice.serverStaticPublicKey, opaque.server.getPublicKey(serverSetup));
});

test("login with the right password: same export key, and the server agrees on the session key", async () => {
  const { result, serverLoginState } = await login("alice", alice.record, "correct horse battery staple");
  assert.ok(result);
  assert.deepEqual(result.exportKey, alice.exportKey);
  assert.equal(result.sessionKey.length, 64);
  const { sessionKey } = opaque.server.finishLogin({ serverLoginState, finishLoginRequest: result.finishRequest });
  assert.deepEqual(Uint8Array.from(Buffer.from(sessionKey, "base64url")), result.sessionKey);
});

test("the export key is stable across logins and session keys are fresh", async () => {
  const first = await login("alice", alice.record, "correct horse battery staple");
  const second = await login("alice", alice.record, "correct horse battery staple");
  assert.ok(first.result && second.result);
  assert.deepEqual(first.result.exportKey, second.result.exportKey);
  assert.notDeepEqual(first.result.sessionKey, second.result.sessionKey);
});

test("a wrong password gives undefined", async () => {
  const { result } = await login("alice", alice.record, "correct horse battery stapler");
  assert.equal(result, undefined);
});

test("an unknown user (null record) gives undefined, and the answer has the same shape", async () => {
  const known = await login("alice", alice.record, "whatever");
  const unknown = await login("mallory", null, "whatever");
  assert.equal(unknown.result, undefined);
  assert.equal(known.result, undefined);
  assert.equal(unknown.loginResponse.length, known.loginResponse.length);
});

test("another user's record under this username does not log in", async () => {
  const bob = await register("bob", "correct horse battery staple");
  // The record is bound to the OPRF key of "bob"; served for "alice" it must fail.
  const { result } = await login("alice", bob.record, "correct horse battery staple");
  assert.equal(result, undefined);
});

test("passwords are NFC-normalized: composed and decomposed forms are the same password", async () => {
  const composed = "caf\u00e9 au lait";
  const decomposed = "cafe\u0301 au lait";
  const carol = await register("carol", composed);
  const { result } = await login("carol", carol.record, decomposed);
  assert.ok(result);
  assert.deepEqual(result.exportKey, carol.exportKey);
});

test("the key stretching is pinned: a client with another setting cannot log in", async () => {
  assert.equal(OPAQUE_KEY_STRETCHING, "memory-constrained");
  const start = opaque.client.startLogin({ password: "correct horse battery staple" });
  const { loginResponse } = opaque.server.startLogin({
    serverSetup,
    userIdentifier: "alice",
    registrationRecord: alice.record,
    startLoginRequest: start.startLoginRequest,
  });
  const other = opaque.client.finishLogin({
    clientLoginState: start.clientLoginState,
    loginResponse,
    password: "correct horse battery staple",
    keyStretching: { "argon2id-custom": { memory: 65536, iterations: 3, parallelism: 1 } },
  });
  assert.equal(other, undefined);
});

test("malformed messages throw CryptoError OPAQUE_MESSAGE_INVALID, not undefined", async () => {
  const start = await opaqueLoginStart("pw");
  await assert.rejects(opaqueLoginFinish(start.clientState, "AAAAAAAAAAAAAAAAAAAAAAAA", "pw"), (e: unknown) => {
    return e instanceof CryptoError && e.code === CryptoErrorCode.OpaqueMessageInvalid;
  });
  const reg = await opaqueRegisterStart("pw");
  await assert.rejects(opaqueRegisterFinish(reg.clientState, "AAAAAAAAAAAAAAAAAAAAAAAA", "pw"), (e: unknown) => {
    return e instanceof CryptoError && e.code === CryptoErrorCode.OpaqueMessageInvalid;
  });
});

test("arguments are checked before any work", async () => {
  await assert.rejects(opaqueRegisterStart(42 as unknown as string), TypeError);
  await assert.rejects(opaqueRegisterStart(""), /password/);
  await assert.rejects(opaqueLoginStart("x".repeat(5000)), RangeError);
  await assert.rejects(opaqueLoginFinish("", "abc", "pw"), /clientState/);
  await assert.rejects(opaqueRegisterFinish("abc", null as unknown as string, "pw"), /response/);
});
