export { defineCodexApi, userIdFromAuth } from "./api.js";
export type { CodexApiOptions, UserIdResolver } from "./api.js";
export { ERROR_CODES, codexError, errorCode } from "../shared/errors.js";
export type { CodexErrorData, ErrorCode } from "../shared/errors.js";
export {
  vCodexEvent,
  vIngestResult,
  vMessage,
  vMessageDoc,
  vMessagesPage,
  vSessionState,
  vStreamArgs,
  vStreamCursor,
  vStreamDelta,
  vStreamInfo,
  vStreamKind,
  vStreamsResult,
  vThread,
  vTurn,
  vTurnStatus,
} from "../shared/validators.js";
export type {
  CodexEvent,
  IngestResult,
  Message,
  MessageDoc,
  MessagesPage,
  SessionState,
  StreamArgs,
  StreamCursor,
  StreamDelta,
  StreamInfo,
  StreamKind,
  StreamsResult,
  Thread,
  Turn,
  TurnStatus,
} from "../shared/validators.js";
export type { ComponentApi } from "../../convex/_generated/component.js";
