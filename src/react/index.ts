"use client";

/**
 * React hooks to follow a Codex thread stored by the codex-convex component,
 * through the host app's `listMessages` query, and to steer it: send, start,
 * interrupt, answer server requests, manage paired devices.
 */
export { useMessages } from "./useMessages.js";
export type { UseMessagesOptions, UseMessagesResult } from "./useMessages.js";
export { useThreadStreams } from "./useThreadStreams.js";
export { useStreamDeltas } from "./useStreamDeltas.js";
export { CHECKPOINT_SAVE_INTERVAL_MS } from "./useStreamCheckpoints.js";
export type { ListCheckpointsQuery, SaveCheckpointsMutation, StreamCheckpointOptions } from "./useStreamCheckpoints.js";
export { clearStreamCache, STREAM_CACHE_MAX_AGE_MS, STREAM_CACHE_MAX_BYTES } from "./streamCache.js";
export type { CheckpointStorage } from "./streamCache.js";
export { READER_DEVICE_ID_KEY, readerDeviceId } from "./readerDevice.js";
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
  Checkpoint,
  StreamAnswer,
  StreamCursor,
  StreamDelta,
  StreamInfo,
  StreamKind,
} from "../shared/validators.js";
export { useCommand, useInterrupt, useSendMessage, useStartThread } from "./useCommands.js";
export { unsettledSends, usePendingSends } from "./pendingSends.js";
export type { PendingSend, UsePendingSendsResult } from "./pendingSends.js";
export type { SendMessageInput } from "./useCommands.js";
export { useAnswerServerRequest, useServerRequests } from "./useServerRequests.js";
export type { AnswerInput } from "./useServerRequests.js";
export { useDevices } from "./useDevices.js";
export type { DeviceFunctions, UseDevicesResult } from "./useDevices.js";
export {
  OPTIMISTIC_ID_PREFIX,
  newIdempotencyKey,
  optimisticAnswer,
  optimisticSend,
  optimisticUserMessage,
  withOptimisticMessage,
  withAnswerSent,
} from "./optimistic.js";
export type {
  AnswerArgs,
  AnswerMutation,
  CreatePairingCodeMutation,
  GetCommandQuery,
  InterruptMutation,
  ListDevicesQuery,
  RenameDeviceMutation,
  RevokeDeviceMutation,
  SendMessageArgs,
  SendMessageMutation,
  ServerRequestsArgs,
  ServerRequestsQuery,
  StartThreadArgs,
  StartThreadMutation,
} from "./steerTypes.js";
export type {
  Command,
  CommandReceipt,
  CommandStatus,
  Device,
  PairingCode,
  ServerRequest,
  ServerRequestAnswer,
  Workspace,
} from "../shared/validators.js";
