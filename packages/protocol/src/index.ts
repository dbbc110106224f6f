/**
 * @parley/protocol: the wire contract between Parley clients and servers. Frame schemas, limits,
 * error and close codes, ids and encodings. No I/O; runs in Node and browsers.
 */
export * from "./errors.js";
export * from "./limits.js";
export * from "./ids.js";
export * from "./base64.js";
export * from "./frames/common.js";
export * from "./frames/envelope.js";
export * from "./frames/requests.js";
export * from "./frames/push.js";
export * from "./codec.js";
export * from "./acks.js";
