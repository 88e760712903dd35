/**
 * The shapes of the host functions the steering hooks call (see
 * `defineCodexApi`): the host's `sendMessage`, `interruptTurn`,
 * `startThread`, `listServerRequests`, `answerServerRequest`, `listDevices`,
 * `createPairingCode`, `renameDevice`, `revokeDevice` and `getCommand`.
 */
import type { FunctionReference } from "convex/server";
import type {
  Command,
  CommandReceipt,
  Device,
  PairingCode,
  ServerRequest,
  ServerRequestAnswer,
  ServerRequestStatus,
} from "../shared/validators.js";

export type SendMessageArgs = { idempotencyKey: string; threadId: string; text: string };
export type SendMessageMutation = FunctionReference<"mutation", "public", SendMessageArgs, CommandReceipt>;
export type InterruptMutation = FunctionReference<"mutation", "public", { idempotencyKey: string; threadId: string }, CommandReceipt>;
export type StartThreadArgs = { idempotencyKey: string; deviceId: string; workspaceId: string; prompt: string; model?: string };
export type StartThreadMutation = FunctionReference<"mutation", "public", StartThreadArgs, CommandReceipt>;
export type ServerRequestsArgs = { threadId: string; status?: ServerRequestStatus; limit?: number };
export type ServerRequestsQuery = FunctionReference<"query", "public", ServerRequestsArgs, ServerRequest[]>;
export type AnswerArgs = { idempotencyKey: string; threadId: string; requestId: string; response: ServerRequestAnswer };
export type AnswerMutation = FunctionReference<"mutation", "public", AnswerArgs, CommandReceipt>;
export type ListDevicesQuery = FunctionReference<"query", "public", Record<string, never>, Device[]>;
export type CreatePairingCodeMutation = FunctionReference<"mutation", "public", { name?: string }, PairingCode>;
export type RenameDeviceMutation = FunctionReference<"mutation", "public", { deviceId: string; name: string }, null>;
export type RevokeDeviceMutation = FunctionReference<"mutation", "public", { deviceId: string }, null>;
export type GetCommandQuery = FunctionReference<"query", "public", { idempotencyKey: string }, Command | null>;
