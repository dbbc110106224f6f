/**
 * @parley/tui: `parley chat`, an interactive terminal client on the Parley SDK, built with ink.
 * The CLI calls runChat with a ChatHost (its profile and server handling); the model and the
 * components are exported for tests and for other front ends that want the same behaviour.
 */
export { runChat, renderQr, type RunChatOptions } from "./run.js";
export type { ChatHost } from "./host.js";
export { App, type AppProps } from "./ui/App.js";
export { ChatScreen } from "./ui/ChatScreen.js";
export { ChatModel, describeError, type ChatModelOptions } from "./model/ChatModel.js";
export type { ChatService } from "./model/service.js";
export type { ChatState, ConversationView, TimelineItem, Overlay, SafetyView } from "./model/types.js";
export { composerKey, emptyComposer, type ComposerState } from "./model/composer.js";
export { complete, parseInput, COMMANDS } from "./model/commands.js";
export { cellWidth, truncate, wrap, fit, sanitize } from "./text/width.js";
export { timelineRows } from "./ui/timelineRows.js";
