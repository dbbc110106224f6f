/**
 * @parley/client: the Parley SDK for Node and browsers. Node callers get a WebSocket factory and a
 * SQLite profile store from "@parley/client/node".
 */
export * from "./ParleyClient.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./envelope.js";
export * from "./store/LocalStore.js";
export { MemoryStore } from "./store/memoryStore.js";
export type { SocketFactory, SocketLike } from "./connection/socket.js";
export { Connection } from "./connection/Connection.js";
