/**
 * The app-server requests serve mode sends besides the ones in
 * `codex/protocol` (types generated from codex 0.169.0).
 */
import { requestMethod, type RequestMethod } from "../codex/rpc.js";
import type { ThreadArchiveParams } from "../codex/protocol/generated/v2/ThreadArchiveParams.js";
import type { ThreadArchiveResponse } from "../codex/protocol/generated/v2/ThreadArchiveResponse.js";
import type { ThreadForkParams } from "../codex/protocol/generated/v2/ThreadForkParams.js";
import type { ThreadForkResponse } from "../codex/protocol/generated/v2/ThreadForkResponse.js";
import type { ThreadRevertParams } from "../codex/protocol/generated/v2/ThreadRevertParams.js";
import type { ThreadRevertResponse } from "../codex/protocol/generated/v2/ThreadRevertResponse.js";
import type { ThreadSetNameParams } from "../codex/protocol/generated/v2/ThreadSetNameParams.js";
import type { ThreadSetNameResponse } from "../codex/protocol/generated/v2/ThreadSetNameResponse.js";
import type { ThreadTurnsListParams } from "../codex/protocol/generated/v2/ThreadTurnsListParams.js";
import type { ThreadTurnsListResponse } from "../codex/protocol/generated/v2/ThreadTurnsListResponse.js";
import type { ThreadUnarchiveParams } from "../codex/protocol/generated/v2/ThreadUnarchiveParams.js";
import type { ThreadUnarchiveResponse } from "../codex/protocol/generated/v2/ThreadUnarchiveResponse.js";
import type { TurnSteerParams } from "../codex/protocol/generated/v2/TurnSteerParams.js";
import type { TurnSteerResponse } from "../codex/protocol/generated/v2/TurnSteerResponse.js";

/** `turn/steer`: adds user input to the running turn `expectedTurnId` (refused when another turn runs, or none). */
export const turnSteer: RequestMethod<TurnSteerParams, TurnSteerResponse> = requestMethod("turn/steer");

/** `thread/archive`. */
export const threadArchive: RequestMethod<ThreadArchiveParams, ThreadArchiveResponse> = requestMethod("thread/archive");

/** `thread/unarchive`. */
export const threadUnarchive: RequestMethod<ThreadUnarchiveParams, ThreadUnarchiveResponse> = requestMethod("thread/unarchive");

/** `thread/name/set`. */
export const threadSetName: RequestMethod<ThreadSetNameParams, ThreadSetNameResponse> = requestMethod("thread/name/set");

/** `thread/fork`: a new thread with the history of `threadId` (emits `thread/started` for it). */
export const threadFork: RequestMethod<ThreadForkParams, ThreadForkResponse> = requestMethod("thread/fork");

/** `thread/turns/list`: a page of a thread's turns (newest first by default). */
export const threadTurnsList: RequestMethod<ThreadTurnsListParams, ThreadTurnsListResponse> = requestMethod("thread/turns/list");

/**
 * `thread/revert`: replaces the thread's history with the turns before `beforeTurnId`
 * (codex 0.169 has no `thread/rollback`; the history only, files are not reverted).
 */
export const threadRevert: RequestMethod<ThreadRevertParams, ThreadRevertResponse> = requestMethod("thread/revert");
