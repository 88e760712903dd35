/**
 * React hooks to follow a Codex thread stored by the codex-convex component,
 * through the host app's `listMessages` query.
 */
export { useMessages } from "./useMessages.js";
export type { UseMessagesOptions, UseMessagesResult } from "./useMessages.js";
export { useThreadStreams } from "./useThreadStreams.js";
export { useStreamDeltas } from "./useStreamDeltas.js";
export { useFullTexts, useMessageText } from "./useMessageText.js";
export type { MessageTextQuery, MessageTextQueryArgs } from "./useMessageText.js";
export { fullTextKey, needsFullText, withFullTexts } from "./fullText.js";
export type { FullTexts } from "./fullText.js";
export { applyDeltas, foldDeltas, mergeMessages, streamCursors } from "./mergeStreams.js";
export type { LiveStreams, StreamText, StreamTexts, UIMessage, UIStream } from "./mergeStreams.js";
export type { MessagesQuery, MessagesQueryArgs, ThreadQueryArgs } from "./types.js";
export type {
  MessageDoc,
  MessageStatus,
  StreamStatus,
  StreamAnswer,
  StreamCursor,
  StreamDelta,
  StreamInfo,
  StreamKind,
} from "../shared/validators.js";
