/**
 * The slice of the codex app-server protocol the bridge speaks: re-exported
 * generated types (see `generated/`, produced by `scripts/gen-protocol.ts`
 * from codex 0.169.0) and typed method descriptors for the calls it makes.
 */
import {
  notificationMethod,
  requestMethod,
  type NotificationMethod,
  type RequestMethod,
} from "../rpc.js";
import type { ClientInfo } from "./generated/ClientInfo.js";
import type { InitializeCapabilities } from "./generated/InitializeCapabilities.js";
import type { InitializeParams } from "./generated/InitializeParams.js";
import type { InitializeResponse } from "./generated/InitializeResponse.js";
import type { RequestId } from "./generated/RequestId.js";
import type { ServerNotification } from "./generated/ServerNotification.js";
import type { ServerNotificationEnvelope } from "./generated/ServerNotificationEnvelope.js";
import type { ServerRequest } from "./generated/ServerRequest.js";
import type { ConfigReadParams } from "./generated/v2/ConfigReadParams.js";
import type { ConfigReadResponse } from "./generated/v2/ConfigReadResponse.js";
import type { GetAuthStatusParams } from "./generated/GetAuthStatusParams.js";
import type { GetAuthStatusResponse } from "./generated/GetAuthStatusResponse.js";
import type { GetAccountParams } from "./generated/v2/GetAccountParams.js";
import type { GetAccountResponse } from "./generated/v2/GetAccountResponse.js";
import type { CommandExecutionRequestApprovalResponse } from "./generated/v2/CommandExecutionRequestApprovalResponse.js";
import type { FileChangeRequestApprovalResponse } from "./generated/v2/FileChangeRequestApprovalResponse.js";
import type { Thread } from "./generated/v2/Thread.js";
import type { ThreadItem } from "./generated/v2/ThreadItem.js";
import type { ThreadResumeParams } from "./generated/v2/ThreadResumeParams.js";
import type { ThreadResumeResponse } from "./generated/v2/ThreadResumeResponse.js";
import type { ThreadStartParams } from "./generated/v2/ThreadStartParams.js";
import type { ThreadStartResponse } from "./generated/v2/ThreadStartResponse.js";
import type { Turn } from "./generated/v2/Turn.js";
import type { TurnInterruptParams } from "./generated/v2/TurnInterruptParams.js";
import type { TurnInterruptResponse } from "./generated/v2/TurnInterruptResponse.js";
import type { TurnStartParams } from "./generated/v2/TurnStartParams.js";
import type { TurnStartResponse } from "./generated/v2/TurnStartResponse.js";
import type { UserInput } from "./generated/v2/UserInput.js";

export type {
  ClientInfo,
  CommandExecutionRequestApprovalResponse,
  ConfigReadParams,
  ConfigReadResponse,
  FileChangeRequestApprovalResponse,
  GetAccountParams,
  GetAccountResponse,
  GetAuthStatusParams,
  GetAuthStatusResponse,
  InitializeCapabilities,
  InitializeParams,
  InitializeResponse,
  RequestId,
  ServerNotification,
  /** A notification as sent on the wire: {@link ServerNotification} plus `emittedAtMs` (Unix ms). */
  ServerNotificationEnvelope,
  ServerRequest,
  Thread,
  ThreadItem,
  ThreadResumeParams,
  ThreadResumeResponse,
  ThreadStartParams,
  ThreadStartResponse,
  Turn,
  TurnInterruptParams,
  TurnInterruptResponse,
  TurnStartParams,
  TurnStartResponse,
  UserInput,
};

/** Version of codex the generated types were produced from. */
export const PROTOCOL_CODEX_VERSION = "0.169.0";

/**
 * `initialize`: must be the first request on a connection (codex answers
 * anything earlier with -32600 "Not initialized", and a second one with
 * "Already initialized"). Only `clientInfo.name` and `.version` are required
 * on the wire; `capabilities` may be `null`.
 */
export const initialize: RequestMethod<InitializeParams, InitializeResponse> = requestMethod("initialize");

/**
 * `initialized`: the client's acknowledgement after `initialize`. codex
 * 0.169.0 does not require it before other requests, but accepts it.
 */
export const initialized: NotificationMethod<undefined> = notificationMethod("initialized");

/** `thread/start`: creates a thread; `params` may be `{}` for all defaults. Emits `thread/started`. */
export const threadStart: RequestMethod<ThreadStartParams, ThreadStartResponse> = requestMethod("thread/start");

/** `thread/resume`: reopens a stored thread by `threadId` (or path/history). */
export const threadResume: RequestMethod<ThreadResumeParams, ThreadResumeResponse> =
  requestMethod("thread/resume");

/** `turn/start`: sends user input to a thread; answers at once, progress arrives as notifications. */
export const turnStart: RequestMethod<TurnStartParams, TurnStartResponse> = requestMethod("turn/start");

/** `turn/interrupt`: stops a running turn. */
export const turnInterrupt: RequestMethod<TurnInterruptParams, TurnInterruptResponse> =
  requestMethod("turn/interrupt");

/**
 * `account/read`: the signed-in account (`null` when none) and whether the
 * configured model provider needs an OpenAI login (`requiresOpenaiAuth`).
 */
export const accountRead: RequestMethod<GetAccountParams, GetAccountResponse> = requestMethod("account/read");

/**
 * `getAuthStatus`: how codex is signed in (`authMethod`, null when not) and
 * whether its model provider needs an OpenAI login. With `includeToken: false`
 * the answer holds no credential and no account details, so it can be stored
 * in the outbox like every other line.
 */
export const getAuthStatus: RequestMethod<GetAuthStatusParams, GetAuthStatusResponse> = requestMethod("getAuthStatus");

/**
 * `config/read`: the effective configuration as seen from `cwd`. Answers an
 * error (-32603 "invalid configuration: …") when config.toml cannot be loaded.
 */
export const configRead: RequestMethod<ConfigReadParams, ConfigReadResponse> = requestMethod("config/read");

/** Method names of the notifications codex 0.169.0 declares (others may still arrive). */
export type ServerNotificationMethod = ServerNotification["method"];

/** Params type of a declared server notification. */
export type ServerNotificationParams<M extends ServerNotificationMethod> = Extract<
  ServerNotification,
  { method: M }
>["params"];

/** Method names of the requests codex 0.169.0 may send us (approvals, tool calls, …). */
export type ServerRequestMethod = ServerRequest["method"];

/** Params type of a declared server request. */
export type ServerRequestParams<M extends ServerRequestMethod> = Extract<ServerRequest, { method: M }>["params"];

/**
 * A typed descriptor for a declared server notification, for
 * `connection.on(...)`; misspelled method names fail to compile.
 *
 * ```ts
 * connection.on(serverNotification("turn/completed"), (params) => params.turn.id);
 * ```
 *
 * @param method - one of {@link ServerNotificationMethod}.
 * @returns the descriptor.
 */
export function serverNotification<M extends ServerNotificationMethod>(
  method: M,
): NotificationMethod<ServerNotificationParams<M>> {
  return notificationMethod(method);
}
