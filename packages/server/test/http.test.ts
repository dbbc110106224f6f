import assert from "node:assert/strict";
import { request as httpsRequest } from "node:https";
import { createHash, X509Certificate } from "node:crypto";
import { connect as tlsConnect } from "node:tls";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { WebSocket } from "ws";
import { SELF_SIGNED_CERT_FILE, SELF_SIGNED_KEY_FILE } from "../src/tls/tls.js";
import { TestClient } from "./helpers/client.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.stop());

test("GET /healthz answers 200 {status: ok} with security headers", async () => {
  const res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  assert.equal(res.headers.get("referrer-policy"), "no-referrer");
  assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/);
  assert.equal(res.headers.get("cache-control"), "no-store");
});

test("/healthz answers 503 when the store is unhealthy", async () => {
  const original = server.store.ping;
  server.store.ping = async () => false;
  try {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), { status: "unavailable" });
  } finally {
    server.store.ping = original;
  }
});

test("unknown paths are 404, and so is a WebSocket upgrade anywhere but /ws", async () => {
  const res = await fetch(`${server.url}/nope`);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  await res.body?.cancel();
  const post = await fetch(`${server.url}/healthz`, { method: "POST" });
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const status = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/other`);
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("error", () => {});
  });
  assert.equal(status, 404);
});

test("the web app hook serves other paths", async () => {
  const hooked = await startTestServer({
    httpHook: (req, res) => {
      if (req.url !== "/") return false;
      res.setHeader("Content-Type", "text/html");
      res.end("<h1>Parley</h1>");
      return true;
    },
  });
  try {
    const res = await fetch(`${hooked.url}/`);
    assert.equal(await res.text(), "<h1>Parley</h1>");
    assert.equal(res.headers.get("x-frame-options"), "DENY");
    assert.equal((await fetch(`${hooked.url}/missing`)).status, 404);
  } finally {
    await hooked.stop();
  }
});

test("close() says GoingAway to connected clients and frees the port", async () => {
  const s = await startTestServer();
  const c = await TestClient.connect(s.wsUrl);
  assert.equal(s.connectionCount(), 1);
  await s.stop();
  assert.equal((await c.closed).code, 1001);
  await assert.rejects(fetch(`${s.url}/healthz`));
});

/** The certificate the server presents, without verifying it. */
function peerCertificate(port: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(raw);
    });
    socket.on("error", reject);
  });
}

test("self-signed TLS: made once, kept in the data dir, fingerprint reported and stable", async () => {
  const tls1 = await startTestServer({ tls: "self-signed" });
  try {
    assert.match(tls1.url, /^https:\/\//);
    assert.match(tls1.wsUrl, /^wss:\/\/.*\/ws$/);
    assert.match(tls1.tlsFingerprint ?? "", /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const der = await peerCertificate(tls1.port);
    const fp = createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
    assert.equal(fp, tls1.tlsFingerprint);
    const cert = new X509Certificate(readFileSync(join(tls1.dataDir, SELF_SIGNED_CERT_FILE)));
    assert.match(cert.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
    assert.equal(statSync(join(tls1.dataDir, SELF_SIGNED_KEY_FILE)).mode & 0o777, 0o600);

    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`${tls1.url}/healthz`, { rejectUnauthorized: false }, (res) => {
        assert.match(String(res.headers["strict-transport-security"]), /max-age=/);
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 200);

    // The protocol runs over wss:// on the same port.
    const ws = new WebSocket(tls1.wsUrl, { rejectUnauthorized: false });
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.send(JSON.stringify({ id: 1, type: "device.list", body: {} }));
    const reply = await new Promise<string>((resolve) => ws.once("message", (d) => resolve(String(d))));
    assert.equal((JSON.parse(reply) as { code: string }).code, "PARLEY_ERR_UNAUTHENTICATED");
    ws.close();

    // Same data dir, same certificate.
    await tls1.close();
    const tls2 = await startTestServer({ tls: "self-signed", dataDir: tls1.dataDir });
    assert.equal(tls2.tlsFingerprint, tls1.tlsFingerprint);
    await tls2.close();

    // Certificate and key files given explicitly (--tls-cert / --tls-key) work the same way.
    const tls3 = await startTestServer({
      tls: { certFile: join(tls1.dataDir, SELF_SIGNED_CERT_FILE), keyFile: join(tls1.dataDir, SELF_SIGNED_KEY_FILE) },
    });
    try {
      assert.equal(tls3.tlsFingerprint, tls1.tlsFingerprint);
      const der3 = await peerCertificate(tls3.port);
      assert.equal(createHash("sha256").update(der3).digest("hex").toUpperCase().match(/../g)!.join(":"), tls1.tlsFingerprint);
    } finally {
      await tls3.stop();
    }
  } finally {
    await tls1.stop();
  }
});
