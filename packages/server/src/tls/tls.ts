import { X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generate } from "selfsigned";
import type { TlsConfig } from "../config.js";

export interface TlsMaterial {
  cert: string;
  key: string;
  /** SHA-256 of the DER certificate, as colon-separated upper-case hex (what browsers show). */
  fingerprint: string;
}

export const SELF_SIGNED_CERT_FILE = "tls-cert.pem";
export const SELF_SIGNED_KEY_FILE = "tls-key.pem";
const VALIDITY_DAYS = 5 * 365;

/** Loads the configured certificate and key, or makes (once) and reuses a self-signed pair. */
export async function loadTls(tls: TlsConfig, dataDir: string | null, host: string): Promise<TlsMaterial> {
  if (tls !== "self-signed") {
    const cert = readFileSync(tls.certFile, "utf8");
    const key = readFileSync(tls.keyFile, "utf8");
    return { cert, key, fingerprint: fingerprintOf(cert) };
  }
  if (dataDir !== null) {
    const certPath = join(dataDir, SELF_SIGNED_CERT_FILE);
    const keyPath = join(dataDir, SELF_SIGNED_KEY_FILE);
    if (existsSync(certPath) && existsSync(keyPath)) {
      const cert = readFileSync(certPath, "utf8");
      return { cert, key: readFileSync(keyPath, "utf8"), fingerprint: fingerprintOf(cert) };
    }
    const made = await makeSelfSigned(host);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(keyPath, made.key, { mode: 0o600 });
    chmodSync(keyPath, 0o600);
    writeFileSync(certPath, made.cert, { mode: 0o644 });
    return made;
  }
  return makeSelfSigned(host);
}

export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** An ECDSA P-256 certificate for `host`, localhost and the loopback addresses. */
async function makeSelfSigned(host: string): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + VALIDITY_DAYS * 24 * 60 * 60 * 1000);
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
    { type: 7, ip: "::1" },
  ];
  const isIp = /^[\d.]+$/.test(host) || host.includes(":");
  if (!["localhost", "127.0.0.1", "::1", "0.0.0.0", "::"].includes(host)) {
    altNames.push(isIp ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const pems = await generate([{ name: "commonName", value: isIp ? "parley" : host }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private, fingerprint: fingerprintOf(pems.cert) };
}
