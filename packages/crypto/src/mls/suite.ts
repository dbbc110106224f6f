/**
 * The one ciphersuite Parley speaks (1: X25519, AES-128-GCM, SHA-256, Ed25519) and the ts-mls
 * ClientConfig every group runs with: our credential validator as the authentication service
 * (ts-mls's default accepts anything) and padded application messages.
 */
import {
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultLifetimeConfig,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type AuthenticationService,
  type CiphersuiteImpl,
  type ClientConfig,
  type Credential,
  type CryptoProvider,
} from "ts-mls";
import type { ValidatorAudit } from "./errors.js";

export const CIPHERSUITE = "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519" as const;

let suite: Promise<CiphersuiteImpl> | undefined;
let provider: CryptoProvider | undefined;

/**
 * Chooses the primitives MLS runs on from now on (ts-mls's default, WebCrypto, when unset).
 * Node clients pass the node:crypto provider from "@parley/crypto/node", which is many times
 * faster; the browser build never imports it. Groups already open keep the provider they got.
 */
export function setMlsCryptoProvider(next: CryptoProvider | undefined): void {
  provider = next;
  suite = undefined;
}

/** The ciphersuite implementation, built once per provider. */
export function cipherSuite(): Promise<CiphersuiteImpl> {
  suite ??= getCiphersuiteImpl(getCiphersuiteFromName(CIPHERSUITE), provider).catch((e: unknown) => {
    suite = undefined;
    throw e;
  });
  return suite;
}

/** Supplied by the caller: checks an MLS BasicCredential's identity bytes against the leaf's signature key
 *  (Parley's device certificate chain to a pinned account key). Return false to reject. */
export type CredentialValidator = (credentialIdentity: Uint8Array, signaturePublicKey: Uint8Array) => Promise<boolean>;

/**
 * Wraps the caller's validator as a ts-mls AuthenticationService. Only BasicCredentials are
 * accepted. The validator gets copies, so it cannot alter tree bytes. A validator that throws
 * is recorded in `audit.failure` and the exception goes on, so the operation stops without
 * treating a lookup failure as a forgery.
 */
export function authServiceFor(validate: CredentialValidator, audit: ValidatorAudit): AuthenticationService {
  return {
    async validateCredential(credential: Credential, signaturePublicKey: Uint8Array): Promise<boolean> {
      if (credential.credentialType !== "basic") {
        audit.rejections++;
        return false;
      }
      let ok: boolean;
      try {
        ok = (await validate(credential.identity.slice(), signaturePublicKey.slice())) === true;
      } catch (e) {
        audit.failure = e;
        throw e;
      }
      if (!ok) audit.rejections++;
      return ok;
    },
  };
}

/**
 * Application messages are padded so the content (plaintext, its length prefix and the
 * signature) fills a whole number of buckets: the server sees sizes, and this hides all but a
 * coarse one. ts-mls pads up to a fixed length only, so encrypt() computes that length for each
 * message (see padding.ts); this is the setting for everything else it encrypts.
 */
export const PADDING_BUCKET_BYTES = 256;

export function clientConfigFor(validate: CredentialValidator, audit: ValidatorAudit): ClientConfig {
  return {
    keyRetentionConfig: defaultKeyRetentionConfig,
    lifetimeConfig: defaultLifetimeConfig,
    keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
    paddingConfig: { kind: "padUntilLength", padUntilLength: PADDING_BUCKET_BYTES },
    authService: authServiceFor(validate, audit),
  };
}
