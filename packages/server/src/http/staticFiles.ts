import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { HttpHook } from "../config.js";
import { pathOf } from "../gateway/http.js";
import { WEB_APP_CSP } from "./contentSecurityPolicy.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".svg", ".txt", ".wasm", ".webmanifest"]);

/** Vite puts content-hashed files here: a new build gets new names, so they never change. */
const IMMUTABLE_PREFIX = "/assets/";
const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "no-cache";

interface Entry {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  cacheControl: string;
}

export interface StaticHookOptions {
  /** The built web app (packages/web/dist). */
  root: string;
  /** Files above this size are not held in memory (the build is a few hundred kB). */
  maxFileBytes?: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = join(dir, d.name);
    return d.isDirectory() ? walk(full) : d.isFile() ? [full] : [];
  });
}

/** Reads the whole build once: a fixed set of files, so no request can name a path outside it. */
function loadFiles(root: string, maxFileBytes: number): Map<string, Entry> {
  const files = new Map<string, Entry>();
  for (const file of walk(root)) {
    if (statSync(file).size > maxFileBytes) continue;
    const urlPath = "/" + relative(root, file).split(sep).join("/");
    const body = readFileSync(file);
    const ext = extname(file).toLowerCase();
    const gz = COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
    files.set(urlPath, {
      body,
      gzip: gz && gz.length < body.length ? gz : null,
      type: TYPES[ext] ?? "application/octet-stream",
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
      cacheControl: urlPath.startsWith(IMMUTABLE_PREFIX) ? IMMUTABLE : REVALIDATE,
    });
  }
  return files;
}

/** True when the build exists (index.html in root). */
export function isWebAppBuilt(root: string): boolean {
  return existsSync(join(root, "index.html"));
}

/**
 * Serves the built web app: `/` is index.html (no-cache, so a new build is picked up at once),
 * hashed assets under /assets/ are immutable for a year, every response carries the strict CSP.
 * Unknown paths fall through (false) so the gateway answers 404.
 */
export function createStaticHook(opts: StaticHookOptions): HttpHook {
  const files = loadFiles(opts.root, opts.maxFileBytes ?? 16 * 1024 * 1024);
  if (!files.has("/index.html")) throw new Error(`no web app build in ${opts.root} (index.html missing)`);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = pathOf(req);
    const entry = files.get(path === "/" ? "/index.html" : path);
    if (!entry) return false;
    res.setHeader("Content-Security-Policy", WEB_APP_CSP);
    res.setHeader("Cache-Control", entry.cacheControl);
    res.setHeader("ETag", entry.etag);
    res.setHeader("Vary", "Accept-Encoding");
    res.setHeader("Content-Type", entry.type);
    if (req.headers["if-none-match"] === entry.etag) {
      res.statusCode = 304;
      res.end();
      return true;
    }
    const gzip = entry.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    const body = gzip ? entry.gzip! : entry.body;
    if (gzip) res.setHeader("Content-Encoding", "gzip");
    res.setHeader("Content-Length", body.length);
    res.statusCode = 200;
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}
