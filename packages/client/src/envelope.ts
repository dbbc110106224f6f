/**
 * What travels inside an MLS application message: a small versioned JSON envelope. The server never
 * sees it. Kinds this version does not know are kept and shown as unsupported, never dropped.
 */
export const ENVELOPE_VERSION = 1;

export type Envelope =
  | { v: 1; kind: "text"; text: string }
  | { v: 1; kind: "edit"; target: string; text: string }
  | { v: 1; kind: "delete"; target: string }
  | { v: 1; kind: "reaction"; target: string; emoji: string }
  | { v: 1; kind: "reply"; target: string; text: string }
  | { v: 1; kind: "receipt"; targets: string[]; state: "delivered" | "read" }
  | { v: 1; kind: "typing"; active: boolean }
  | { v: number; kind: "unsupported"; originalKind: string; raw: string };

/** Hard cap on text size inside an envelope, well under the protocol's message limit. */
export const MAX_TEXT_LENGTH = 64 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export function encodeEnvelope(e: Envelope): Uint8Array {
  if (e.kind === "unsupported") throw new TypeError("cannot send an unsupported envelope");
  if ("text" in e && e.text.length > MAX_TEXT_LENGTH) throw new RangeError(`text longer than ${MAX_TEXT_LENGTH} characters`);
  return encoder.encode(JSON.stringify(e));
}

/** Decodes an envelope; anything unexpected becomes `unsupported` with the raw text kept. */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let raw: string;
  try {
    raw = decoder.decode(bytes);
  } catch {
    return { v: 0, kind: "unsupported", originalKind: "binary", raw: "" };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { v: 0, kind: "unsupported", originalKind: "not-json", raw };
  }
  if (typeof value !== "object" || value === null) return { v: 0, kind: "unsupported", originalKind: "not-object", raw };
  const o = value as Record<string, unknown>;
  const kind = typeof o.kind === "string" ? o.kind : "missing";
  const v = typeof o.v === "number" ? o.v : 0;
  const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  if (v === 1) {
    switch (kind) {
      case "text": {
        const text = str("text");
        if (text !== undefined) return { v: 1, kind, text };
        break;
      }
      case "edit":
      case "reply": {
        const text = str("text");
        const target = str("target");
        if (text !== undefined && target !== undefined) return { v: 1, kind, target, text };
        break;
      }
      case "delete": {
        const target = str("target");
        if (target !== undefined) return { v: 1, kind, target };
        break;
      }
      case "reaction": {
        const target = str("target");
        const emoji = str("emoji");
        if (target !== undefined && emoji !== undefined) return { v: 1, kind, target, emoji };
        break;
      }
      case "receipt": {
        const targets = o.targets;
        const state = o.state;
        if (Array.isArray(targets) && targets.every((t) => typeof t === "string") && (state === "delivered" || state === "read")) {
          return { v: 1, kind, targets: targets as string[], state };
        }
        break;
      }
      case "typing":
        if (typeof o.active === "boolean") return { v: 1, kind, active: o.active };
        break;
    }
  }
  return { v, kind: "unsupported", originalKind: kind, raw };
}
