/**
 * Starts ejabberd (Debian's package) for one comparison run: its own config, spool and log
 * directories under a temporary directory, a free loopback port, its own Erlang node name, and
 * stops it afterwards. Needs `apt-get install ejabberd` and root (ejabberdctl runs the node as
 * the ejabberd user).
 */
import { execFileSync } from "node:child_process";
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { BENCH_DIR } from "../lib/proc.js";

const EJABBERDCTL = "/usr/sbin/ejabberdctl";

export interface Ejabberd {
  port: number;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

export function ejabberdInstalled(): boolean {
  return existsSync(EJABBERDCTL);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

/** The beam.smp process of our node (found by the node name on its command line). */
function beamPid(node: string): number {
  const out = execFileSync("pgrep", ["-f", `beam.smp.*${node}`], { encoding: "utf8" }).trim().split("\n");
  const pid = Number(out[0]);
  if (!Number.isInteger(pid)) throw new Error("ejabberd: beam.smp not found");
  return pid;
}

export async function startEjabberd(opts: { mam: boolean }): Promise<Ejabberd> {
  if (!ejabberdInstalled()) throw new Error("ejabberd is not installed: apt-get install ejabberd");
  const root = mkdtempSync(path.join(os.tmpdir(), "ejabberd-bench-"));
  const etc = path.join(root, "etc");
  for (const d of ["etc", "spool", "logs"]) mkdirSync(path.join(root, d));
  const port = await freePort();
  const mamModule = opts.mam ? "  mod_mam:\n    db_type: mnesia\n    default: always\n" : "";
  const config = readFileSync(path.join(BENCH_DIR, "xmpp", "ejabberd.yml.tmpl"), "utf8")
    .replaceAll("{{PORT}}", String(port))
    .replaceAll("{{MAM}}", String(opts.mam))
    .replaceAll("{{MAM_MODULE}}", mamModule);
  writeFileSync(path.join(etc, "ejabberd.yml"), config);
  // Enough Erlang ports and processes for thousands of connections; kernel poll on.
  writeFileSync(path.join(etc, "ejabberdctl.cfg"), "ERL_MAX_PORTS=250000\nERL_PROCESSES=2000000\nPOLL=true\n");
  copyFileSync("/etc/ejabberd/inetrc", path.join(etc, "inetrc"));
  const user = execFileSync("id", ["-u", "ejabberd"], { encoding: "utf8" }).trim();
  const group = execFileSync("id", ["-g", "ejabberd"], { encoding: "utf8" }).trim();
  chownTree(root, Number(user), Number(group));
  const node = `parleybench${process.pid}@localhost`;
  const ctl = (...args: string[]) =>
    execFileSync(EJABBERDCTL, ["--config-dir", etc, "--spool", path.join(root, "spool"), "--logs", path.join(root, "logs"), "--node", node, ...args], {
      cwd: root,
      encoding: "utf8",
      // Run as the ejabberd user directly: as root, ejabberdctl re-runs itself through su, whose
      // PAM session resets the file-descriptor limit to 1024 (too few for a 1000-occupant room).
      uid: Number(user),
      gid: Number(group),
      env: { ...process.env, HOME: "/var/lib/ejabberd" },
      timeout: 120_000,
    });
  ctl("start");
  ctl("started");
  const version = /ejabberd (\S+)/.exec(ctl("status"))?.[1] ?? "unknown";
  const pid = beamPid(node);
  return {
    port,
    pid,
    version,
    async stop() {
      try {
        ctl("stop");
        ctl("stopped");
      } catch {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
