import { newMessageId, type RequestBody } from "@parley/protocol";
import { randomB64 } from "./accounts.js";

/** A conversation.commit body with fake MLS bytes (the server never looks inside). */
export function commitBody(
  conversationId: string,
  epoch: number,
  opts: { add?: string[]; remove?: string[]; messageId?: string } = {},
): RequestBody<"conversation.commit"> {
  const add = opts.add ?? [];
  return {
    conversationId,
    epoch,
    messageId: opts.messageId ?? newMessageId(),
    commit: randomB64(120),
    groupInfo: randomB64(150),
    ...(add.length > 0 ? { welcome: randomB64(200) } : {}),
    add,
    remove: opts.remove ?? [],
  };
}

export function sendBody(conversationId: string, epoch = 0, messageId = newMessageId()): RequestBody<"message.send"> {
  return { conversationId, epoch, messageId, ciphertext: randomB64(64) };
}
