/**
 * Validators shared by the component (`convex/`), the host helpers, the bridge
 * and the React hooks. One definition per shape, grouped by concern under
 * `validators/`; every other module imports them from here so the wire format
 * cannot drift between the parts.
 */
export {
  vCodexEvent,
  vEventOrigin,
  vIngestResult,
  vSession,
  vSessionState,
  vTimeouts,
} from "./validators/ingest.js";
export type { CodexEvent, EventOrigin, IngestResult, Session, SessionState, Timeouts } from "./validators/ingest.js";
export {
  vCheckpoint,
  vStreamAnswer,
  vStreamArgs,
  vStreamCursor,
  vStreamDelta,
  vStreamInfo,
  vStreamKind,
  vStreamState,
  vStreamStatus,
  vStreamsResult,
} from "./validators/streams.js";
export type {
  Checkpoint,
  StreamAnswer,
  StreamArgs,
  StreamCursor,
  StreamDelta,
  StreamInfo,
  StreamKind,
  StreamState,
  StreamStatus,
  StreamsResult,
} from "./validators/streams.js";
export {
  vMessage,
  vMessageDoc,
  vMessageRole,
  vMessageStatus,
  vMessageText,
  vMessagesPage,
  vPageFields,
} from "./validators/messages.js";
export type {
  Message,
  MessageDoc,
  MessageRole,
  MessageStatus,
  MessageText,
  MessagesPage,
} from "./validators/messages.js";
export {
  vLastTurn,
  vLoggedEvent,
  vLoggedEventFields,
  vPlan,
  vRevert,
  vServerRequest,
  vServerRequestFields,
  vServerRequestStatus,
  vThread,
  vThreadFields,
  vTokenBreakdown,
  vTokenUsage,
  vTurn,
  vTurnFields,
  vTurnStatus,
} from "./validators/threads.js";
export type {
  LastTurn,
  LoggedEvent,
  Plan,
  Revert,
  ServerRequest,
  ServerRequestStatus,
  Thread,
  TokenBreakdown,
  TokenUsage,
  Turn,
  TurnStatus,
} from "./validators/threads.js";
export { vDeclaredWorkspace, vDevice, vHeartbeatArgs, vDeviceIdentity, vHeartbeatResult, vPairingCode, vRedeemedDevice, vWorkspace } from "./validators/devices.js";
export type { DeclaredWorkspace, Device, DeviceIdentity, HeartbeatResult, PairingCode, RedeemedDevice, Workspace } from "./validators/devices.js";
export {
  vCommand,
  vCommandError,
  vCommandFields,
  vCommandKind,
  vCommandReceipt,
  vCommandResult,
  vCommandStatus,
  vStartThreadArgs,
} from "./validators/commands.js";
export type { Command, CommandError, CommandKind, CommandReceipt, CommandResult, CommandStatus } from "./validators/commands.js";
export {
  ANSWERABLE_METHODS,
  ANSWER_VALIDATORS,
  vCommandExecutionAnswer,
  vElicitationAnswer,
  vFileChangeAnswer,
  vPermissionsAnswer,
  vReviewAnswer,
  vServerRequestAnswer,
  vToolCallAnswer,
  vUserInputAnswer,
} from "./validators/answers.js";
export type { ServerRequestAnswer } from "./validators/answers.js";
export { vQuestion, vQuestionOption, vRequestViewFields } from "./validators/requestView.js";
export type { Question } from "./validators/requestView.js";
