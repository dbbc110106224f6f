import type { StoredMessage } from "@parley/client";
import { withClient, type GlobalOptions } from "../context.js";
import type { Out } from "../output.js";
import { UsageError } from "../errors.js";

/** `parley send TARGET TEXT`: TARGET is a username (1:1, made on first use), a conversation id or name. */
export async function send(g: GlobalOptions, target: string, text: string, out: Out): Promise<void> {
  if (text === "") throw new UsageError("nothing to send: TEXT is empty");
  await withClient(g, async (c) => {
    await c.waitUntilCaughtUp(30_000);
    const conversationId = await c.resolveTarget(target, { createDirect: true });
    const { messageId, seq } = await c.sendText(conversationId, text);
    out.notice(`sent ${messageId} to ${target} (conversation ${conversationId}, #${seq})`);
  });
}

function describe(m: StoredMessage, names: Map<string, string>) {
  const e = m.envelope;
  const text = "text" in e ? e.text : e.kind === "unsupported" ? `[unsupported message: ${e.originalKind}]` : `[${e.kind}]`;
  return {
    conversation: names.get(m.conversationId) ?? m.conversationId,
    conversationId: m.conversationId,
    sender: { username: m.senderUser, deviceId: m.senderDevice },
    messageId: m.messageId,
    seq: m.seq,
    timestamp: new Date(m.sentAt).toISOString(),
    kind: e.kind,
    text,
  };
}

/** `parley read`: prints messages not shown before, marks them shown; --follow keeps going. */
export async function read(g: GlobalOptions, opts: { follow: boolean; json: boolean }, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    const names = new Map<string, string>();
    const refreshNames = async () => {
      for (const conv of await c.conversations()) names.set(conv.conversationId, conv.kind === "direct" ? `@${conv.peer ?? "?"}` : conv.name || conv.conversationId);
    };
    const print = async () => {
      const batch = await c.unseen();
      const missing = batch.some((m) => !names.has(m.conversationId));
      if (missing) await refreshNames();
      for (const m of batch) {
        const d = describe(m, names);
        if (opts.json) out.json(d);
        else out.line(`[${d.timestamp}] ${d.conversation} ${d.sender.username}: ${d.text}`);
      }
      await c.markSeen(batch);
    };
    c.events.on("key-changed", ({ username }) => out.notice(`WARNING: ${username}'s account key changed. Compare safety numbers ('parley safety-number ${username}') before trusting it.`));
    c.events.on("security", ({ message }) => out.notice(`SECURITY WARNING: ${message}`));
    await c.waitUntilCaughtUp(60_000);
    await refreshNames();
    await print();
    if (!opts.follow) return;
    let chain = Promise.resolve();
    c.events.on("message", () => {
      chain = chain.then(print).catch((e: unknown) => out.notice(`error: ${(e as Error).message}`));
    });
    c.events.on("membership", (m) => {
      if (!opts.json) out.notice(`* ${names.get(m.conversationId) ?? m.conversationId}: ${m.usernames.join(", ")} ${m.change}`);
    });
    c.events.on("connection", ({ state, detail }) => {
      if (state !== "online") out.notice(`* connection ${state}${detail ? ` (${detail})` : ""}`);
    });
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
      c.events.on("session-ended", () => done());
    });
  });
}

export async function conversations(g: GlobalOptions, json: boolean, out: Out): Promise<void> {
  await withClient(g, async (c) => {
    await c.waitUntilCaughtUp(30_000);
    for (const conv of await c.conversations()) {
      if (json) out.json(conv);
      else {
        const label = conv.kind === "direct" ? `@${conv.peer ?? "?"}` : conv.name || "(unnamed group)";
        out.line(`${conv.conversationId}  ${conv.kind.padEnd(6)}  ${label}  members: ${conv.members.join(", ")}${conv.joined ? "" : "  (joining)"}`);
      }
    }
  });
}
