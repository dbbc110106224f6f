/** Branded id types, so a DeviceId is never passed where a ConversationId is meant. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

export type DeviceId = Brand<string, "DeviceId">;
export type ConversationId = Brand<string, "ConversationId">;
export type MessageId = Brand<string, "MessageId">;
export type Username = Brand<string, "Username">;

/** 16 random bytes as 22 base64url characters: the shape of every device and conversation id. */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return bytesToBase64Url(bytes);
}

export function newDeviceId(): DeviceId {
  return randomId() as DeviceId;
}
export function newConversationId(): ConversationId {
  return randomId() as ConversationId;
}
export function newMessageId(): MessageId {
  return randomId() as MessageId;
}

function bytesToBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
