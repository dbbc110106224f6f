/**
 * The client side of OPAQUE (RFC 9807), over @serenity-kit/opaque (opaque-ke compiled to wasm;
 * runs in Node and browsers). The password never leaves the client, and the server stores nothing
 * that allows an offline guess without first breaking its own OPRF key.
 *
 * Parameters client and server must agree on (the server uses @serenity-kit/opaque's `server`
 * directly and never imports this package):
 * - Library and suite: @serenity-kit/opaque 1.1.0; OPRF ristretto255-SHA512, 3DH over
 *   ristretto255, HKDF-SHA512, HMAC-SHA512 (the library's only suite).
 * - userIdentifier (the OPRF credential identifier, server side only): the username, exactly the
 *   string of the frame, for createRegistrationResponse and startLogin alike.
 * - identifiers: none, on both sides. The AKE then binds the client's and the server's OPAQUE
 *   public keys, as RFC 9807 §6.1 specifies by default. Passing `identifiers` on one side only
 *   makes every login fail.
 * - keyStretching (client side only): "memory-constrained" = Argon2id, 64 MiB, 3 iterations,
 *   parallelism 4 (RFC 9106 §4's second recommendation; the library's default, pinned here so a
 *   change of default cannot lock users out). Registration and login must use the same one.
 * - Unknown users: the server calls startLogin with registrationRecord null; the library then
 *   answers with a fake record, and the client's finish gives undefined, as for a wrong password.
 * - Passwords are normalized to Unicode NFC before use, so the same password typed on different
 *   systems is the same bytes.
 * - Messages are unpadded base64url strings, passed through unchanged.
 */
import * as opaque from "@serenity-kit/opaque";
import { base64UrlDecode } from "./bytes.js";
import { CryptoError, CryptoErrorCode } from "./errors.js";
import { MAX_OPAQUE_MESSAGE_CHARS, MAX_PASSWORD_BYTES } from "./limits.js";
import { assertString } from "./validate.js";

/** The Argon2id setting of every Parley client. Changing it breaks every existing account. */
export const OPAQUE_KEY_STRETCHING = "memory-constrained" as const;

/** What the client and the server must agree on, for reference and for tests. */
export const OPAQUE_PARAMETERS = Object.freeze({
  library: "@serenity-kit/opaque@1.1.0",
  suite: "OPRF ristretto255-SHA512, 3DH ristretto255, HKDF-SHA512, HMAC-SHA512",
  keyStretching: OPAQUE_KEY_STRETCHING,
  argon2id: Object.freeze({ memoryKiB: 65536, iterations: 3, parallelism: 4 }),
  identifiers: "none (library defaults: the client's and server's public keys)",
  userIdentifier: "the username",
} as const);

/** A finished registration. */
export interface OpaqueRegistration {
  /** The registration record (base64url) to send to the server. */
  record: string;
  /** The export key: stable across logins, never sent to the server. Wipe it once keys are derived. */
  exportKey: Uint8Array;
  /** The server's OPAQUE public key (base64url), for a client that pins it. */
  serverStaticPublicKey: string;
}

/** A finished login. */
export interface OpaqueLogin {
  /** The third login message (base64url) to send to the server. */
  finishRequest: string;
  /** The same export key as at registration. */
  exportKey: Uint8Array;
  /** A fresh key shared with the server for this login (64 bytes). */
  sessionKey: Uint8Array;
  /** The server's OPAQUE public key (base64url), for a client that pins it. */
  serverStaticPublicKey: string;
}

function normalizePassword(password: unknown): string {
  if (typeof password !== "string") throw new TypeError(`password must be a string, got ${typeof password}`);
  const normalized = password.normalize("NFC");
  assertString(normalized, "password", 1, MAX_PASSWORD_BYTES);
  return normalized;
}

function checkMessage(value: unknown, name: string): asserts value is string {
  assertString(value, name, 1, MAX_OPAQUE_MESSAGE_CHARS);
}

function decodeKey(text: string, name: string): Uint8Array {
  const bytes = base64UrlDecode(text);
  if (bytes === undefined) throw new CryptoError(CryptoErrorCode.Internal, `OPAQUE library returned a malformed ${name}`);
  return bytes;
}

/** Runs a library call, turning its exceptions (malformed messages or state) into CryptoError. */
function call<T>(step: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new CryptoError(CryptoErrorCode.OpaqueMessageInvalid, `OPAQUE ${step}: message or state rejected`, { cause: e });
  }
}

/**
 * Starts a registration. Send `request` to the server (with the username); keep `clientState`
 * (secret) for opaqueRegisterFinish.
 *
 * @example
 * const { clientState, request } = await opaqueRegisterStart(password);
 */
export async function opaqueRegisterStart(password: string): Promise<{ clientState: string; request: string }> {
  const pw = normalizePassword(password);
  await opaque.ready;
  const { clientRegistrationState, registrationRequest } = call("registration start", () =>
    opaque.client.startRegistration({ password: pw }),
  );
  return { clientState: clientRegistrationState, request: registrationRequest };
}

/**
 * Finishes a registration with the server's response. Send `record` to the server; derive the
 * backup and local store keys from `exportKey`. Throws CryptoError
 * ("PARLEY_CRYPTO_OPAQUE_MESSAGE_INVALID") when the response or state is malformed.
 *
 * @example
 * const { record, exportKey } = await opaqueRegisterFinish(clientState, response, password);
 */
export async function opaqueRegisterFinish(clientState: string, response: string, password: string): Promise<OpaqueRegistration> {
  checkMessage(clientState, "clientState");
  checkMessage(response, "response");
  const pw = normalizePassword(password);
  await opaque.ready;
  const result = call("registration finish", () =>
    opaque.client.finishRegistration({
      clientRegistrationState: clientState,
      registrationResponse: response,
      password: pw,
      keyStretching: OPAQUE_KEY_STRETCHING,
    }),
  );
  return {
    record: result.registrationRecord,
    exportKey: decodeKey(result.exportKey, "export key"),
    serverStaticPublicKey: result.serverStaticPublicKey,
  };
}

/**
 * Starts a login. Send `request` to the server (with the username); keep `clientState` (secret).
 *
 * @example
 * const { clientState, request } = await opaqueLoginStart(password);
 */
export async function opaqueLoginStart(password: string): Promise<{ clientState: string; request: string }> {
  const pw = normalizePassword(password);
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = call("login start", () => opaque.client.startLogin({ password: pw }));
  return { clientState: clientLoginState, request: startLoginRequest };
}

/**
 * Finishes a login with the server's response. Returns undefined when the response does not
 * verify: a wrong password and an unknown username look the same, by design. Throws CryptoError
 * ("PARLEY_CRYPTO_OPAQUE_MESSAGE_INVALID") only when a message or the state does not even decode.
 *
 * @example
 * const login = await opaqueLoginFinish(clientState, response, password);
 * if (login === undefined) return "wrong username or password";
 * send({ request: login.finishRequest });
 */
export async function opaqueLoginFinish(clientState: string, response: string, password: string): Promise<OpaqueLogin | undefined> {
  checkMessage(clientState, "clientState");
  checkMessage(response, "response");
  const pw = normalizePassword(password);
  await opaque.ready;
  const result = call("login finish", () =>
    opaque.client.finishLogin({
      clientLoginState: clientState,
      loginResponse: response,
      password: pw,
      keyStretching: OPAQUE_KEY_STRETCHING,
    }),
  );
  if (result === undefined) return undefined;
  return {
    finishRequest: result.finishLoginRequest,
    exportKey: decodeKey(result.exportKey, "export key"),
    sessionKey: decodeKey(result.sessionKey, "session key"),
    serverStaticPublicKey: result.serverStaticPublicKey,
  };
}
