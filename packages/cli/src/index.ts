/** @parley/cli is run as the `parley` command (src/main.ts); it exports the pieces tests reuse. */
export { toWebSocketUrl } from "./serverUrl.js";
export { mainHelp, commandHelp, COMMANDS } from "./help.js";
