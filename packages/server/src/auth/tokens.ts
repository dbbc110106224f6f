import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Session tokens: 32 random bytes, base64url (43 characters). The store keeps only their SHA-256. */
export function newSessionToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashToken(token: string): Uint8Array {
  return new Uint8Array(createHash("sha256").update(token, "utf8").digest());
}

/** Hex of a token hash: the name of the session on the bus, never the token itself. */
export function sessionName(tokenHash: Uint8Array): string {
  return Buffer.from(tokenHash).toString("hex");
}

/** Constant-time equality of two hashes. */
export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
