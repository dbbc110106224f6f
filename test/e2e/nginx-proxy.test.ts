import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { after, test } from "node:test";
import { loadTls } from "@parley/server";
import { skipWithout } from "../services.js";
import { startCluster, deliveryViolation, received, type Cluster } from "./cluster.js";
import { cleanup, eventually, registerClient, tempDir, ROOT, type TestClient } from "./harness.js";

const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
function nginxSkip(): string | false {
  if (NGINX) return false;
  if (process.env.CI === "true") throw new Error("nginx is required under CI=true (.ci/run installs it)");
  return "nginx is not installed";
}
const skip = (await skipWithout("postgres")) || (await skipWithout("redis")) || nginxSkip();

let cluster: Cluster | undefined;
let nginx: ChildProcess | undefined;
const clients: TestClient[] = [];
const dir = tempDir("nginx");
after(async () => {
  await Promise.all(clients.map((c) => c.client.close()));
  if (nginx && nginx.exitCode === null) {
    const gone = new Promise((r) => nginx!.once("exit", r));
    nginx.kill("SIGTERM");
    await gone;
  }
  await cluster?.stop();
  cleanup(dir);
});

/** The ```nginx block of docs/operations.md, as an operator would copy it. */
function documentedConfig(): string {
  const doc = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error("docs/operations.md has no ```nginx block");
  return block;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

test("the documented nginx config in front of three instances: clients on one https URL chat, and carry on when an instance dies", { skip, timeout: 240_000 }, async () => {
  cluster = await startCluster(3);
  const c = cluster;
  const tls = await loadTls("self-signed", dir, "127.0.0.1");
  const port = await freePort();

  // Only what differs on this machine is swapped: the three upstream ports, the listen port, the certificate.
  const documented = documentedConfig();
  let site = documented;
  for (const [i, docPort] of [8448, 8449, 8450].entries()) site = site.replace(`127.0.0.1:${docPort}`, `127.0.0.1:${c.servers[i]!.port}`);
  site = site
    .replace("listen 443 ssl;", `listen 127.0.0.1:${port} ssl;`)
    .replace(/ssl_certificate\s+\S+;/, `ssl_certificate ${join(dir, "tls-cert.pem")};`)
    .replace(/ssl_certificate_key\s+\S+;/, `ssl_certificate_key ${join(dir, "tls-key.pem")};`);
  assert.equal(site.split("\n").length, documented.split("\n").length, "only values were swapped");
  mkdirSync(join(dir, "logs"), { recursive: true });
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `${t}_temp_path ${join(dir, t)};`).join("\n  ");
  writeFileSync(
    join(dir, "nginx.conf"),
    `${process.getuid?.() === 0 ? "user root;\n" : ""}daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs", "error.log")} warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${temp}
${site}
}
`,
  );
  nginx = spawn(NGINX!, ["-p", dir, "-e", join(dir, "logs", "error.log"), "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let nginxErr = "";
  nginx.stderr!.on("data", (d: Buffer) => (nginxErr += d.toString()));
  await eventually(() => listening(port), `nginx listens (${nginxErr})`, 10_000);

  const url = `https://127.0.0.1:${port}`;
  const health = await new Promise<string>((resolve, reject) => {
    import("node:https").then(({ get }) =>
      get(`${url}/healthz`, { rejectUnauthorized: false }, (r) => {
        let body = "";
        r.on("data", (d: Buffer) => (body += d.toString()));
        r.on("end", () => resolve(`${r.statusCode} ${body}`));
      }).on("error", reject),
    );
  });
  assert.equal(health, '200 {"status":"ok"}');

  const people: TestClient[] = [];
  for (const name of ["alice", "bob", "carol", "dave", "erin", "frank"]) {
    people.push(await registerClient(url, name, undefined, { tlsFingerprint: tls.fingerprint }));
  }
  clients.push(...people);
  const conv = await people[0]!.client.createGroup("proxied", people.slice(1).map((p) => p.client.username));
  for (const p of people.slice(1)) await eventually(() => p.seen.joined.length === 1, `${p.client.username} joins`);

  const sentBy = new Map<string, string[]>(people.map((p) => [p.client.username, []]));
  const round = async (tag: string) =>
    Promise.all(
      people.map(async (p) => {
        const text = `${p.client.username}-${tag}`;
        try {
          await p.client.sendText(conv, text);
          sentBy.get(p.client.username)!.push(text);
        } catch {
          // not acknowledged: the client may resend it, and it must then arrive once
        }
      }),
    );
  await round("before");
  await c.servers[1]!.kill();
  await round("during");
  await round("after");

  for (const p of people) {
    await eventually(
      () => [...sentBy].every(([u, list]) => u === p.client.username || list.every((t) => received(p, conv).some((r) => r.text === t))),
      `${p.client.username} has every acknowledged message`,
      60_000,
    );
  }
  for (const p of people) await p.client.waitUntilCaughtUp(60_000);
  assert.equal(deliveryViolation(people, conv, sentBy), null);
  assert.ok([...sentBy.values()].every((l) => l.some((t) => t.endsWith("-after"))), "every sender got a send through after the instance died");
});
