/**
 * Node-only pieces of the client SDK: the `ws` socket factory, the SQLite profile store, and MLS
 * on node:crypto (loading this entry switches it on: several times faster than WebCrypto).
 */
import WebSocket from "ws";
import type { TLSSocket } from "node:tls";
import { useNodeCrypto } from "@parley/crypto/node";
import type { SocketFactory, SocketLike } from "../connection/socket.js";

useNodeCrypto();

export { SqliteLocalStore } from "./sqliteStore.js";

export interface NodeSocketOptions {
  /** SHA-256 fingerprint (hex, colons optional) of a self-signed server certificate to pin. */
  tlsFingerprint?: string;
  maxPayload?: number;
}

const normalize = (fp: string) => fp.replace(/:/g, "").toLowerCase();

/**
 * WebSocket factory for Node. With `tlsFingerprint`, a self-signed certificate is accepted only if
 * its SHA-256 fingerprint matches: the check happens on the upgrade response, before the socket
 * is reported open, so nothing is sent to an impostor.
 */
export function nodeSocketFactory(opts: NodeSocketOptions = {}): SocketFactory {
  const pin = opts.tlsFingerprint ? normalize(opts.tlsFingerprint) : undefined;
  return (url: string): SocketLike => {
    const ws = new WebSocket(url, {
      maxPayload: opts.maxPayload ?? 8 * 1024 * 1024,
      ...(pin ? { rejectUnauthorized: false } : {}),
    });
    if (!pin) return ws as unknown as SocketLike;
    let verified = false;
    const facade: SocketLike = {
      get readyState() {
        // Until the fingerprint checked out, an open socket still counts as connecting.
        return !verified && ws.readyState === WebSocket.OPEN ? WebSocket.CONNECTING : ws.readyState;
      },
      onopen: null,
      onmessage: null,
      onclose: null,
      onerror: null,
      send: (data) => ws.send(data),
      close: (code, reason) => ws.close(code, reason),
    };
    ws.on("upgrade", (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate?.();
      const got = cert?.fingerprint256 ? normalize(cert.fingerprint256) : undefined;
      verified = got === pin;
      if (!verified) {
        facade.onerror?.({ message: `TLS certificate fingerprint ${got ?? "(none)"} does not match the pinned one` });
        ws.terminate();
      }
    });
    ws.on("open", () => verified && facade.onopen?.({}));
    ws.on("message", (data) => verified && facade.onmessage?.({ data: data.toString() }));
    ws.on("close", (code, reason) => facade.onclose?.({ code, reason: reason.toString() }));
    ws.on("error", (err) => facade.onerror?.({ message: err.message }));
    return facade;
  };
}
