/** Browser-only pieces of the client SDK: the IndexedDB store sealed at rest, and WebSocket glue. */
export { IndexedDbStore, type IndexedDbStoreOptions } from "./indexedDbStore.js";
export { browserSocketFactory, sameOriginServerUrl } from "./socket.js";
