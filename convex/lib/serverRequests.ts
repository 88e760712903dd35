/**
 * Server requests (approvals, user input, tool calls): recorded pending when
 * codex sends one, `answered` when the bridge's response is seen, `resolved`
 * on `serverRequest/resolved`, `cancelled` when their turn ends first.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { MAX_MESSAGE_INLINE_CHARS } from "../../src/shared/limits.js";
import { type JsonObject, stringField } from "./decode.js";
import { head } from "./items.js";
import { putText } from "./parts.js";
import { requestView } from "./requestView.js";
import type { ThreadWriter } from "./writer.js";

/** Most rows sharing one request id a lookup reads (ids repeat only when codex restarts). */
const MAX_ROWS_PER_REQUEST_ID = 8;

/** Most open requests of a turn one turn end cancels. */
const MAX_OPEN_REQUESTS_PER_TURN = 64;

/** A JSON-RPC id as the stored key: its JSON (`0`, `"abc"`). */
export function requestKey(id: string | number): string {
  return JSON.stringify(id);
}

/** Stores a server request codex sent, pending, with the fields a UI shows (lib/requestView.ts). */
export async function recordRequest(
  writer: ThreadWriter,
  id: string | number,
  method: string,
  params: JsonObject,
  receivedAt: number,
  seq?: number,
): Promise<void> {
  const { ctx, session } = writer;
  // Legacy approvals (execCommandApproval, applyPatchApproval) name the thread `conversationId`.
  const threadId = stringField(params, "threadId") ?? stringField(params, "conversationId");
  const turnId = stringField(params, "turnId") ?? undefined;
  const thread = threadId === undefined ? undefined : await writer.thread(threadId);
  if (threadId !== undefined && turnId !== undefined) await writer.turn(threadId, turnId);
  const json = JSON.stringify(params);
  const row = await ctx.db.insert("serverRequests", {
    sessionId: session.sessionId,
    userId: session.userId,
    sessionRef: session._id,
    threadRef: thread?._id,
    threadId,
    turnId,
    itemId: stringField(params, "itemId") ?? stringField(params, "callId"),
    requestId: requestKey(id),
    method,
    status: "pending",
    reason: head(stringField(params, "reason") ?? stringField(params, "message")),
    command: head(stringField(params, "command")),
    cwd: head(stringField(params, "cwd")),
    params: "",
    createdAt: receivedAt,
    ...(seq === undefined ? {} : await requestView(ctx, method, params, seq, thread?._id)),
  });
  const stored = await putText(ctx, row, "params", json, undefined, MAX_MESSAGE_INLINE_CHARS);
  await ctx.db.patch("serverRequests", row, { params: stored.parts === undefined ? stored.inline : "", paramsParts: stored.parts });
}

/** The newest open (pending or answered) request of the session with this id, if any. */
async function openRequest(ctx: MutationCtx, sessionRef: Id<"sessions">, key: string): Promise<Doc<"serverRequests"> | undefined> {
  const rows = await ctx.db
    .query("serverRequests")
    .withIndex("by_sessionRef_requestId", (q) => q.eq("sessionRef", sessionRef).eq("requestId", key))
    .order("desc")
    .take(MAX_ROWS_PER_REQUEST_ID);
  return rows.find((r) => r.status === "pending" || r.status === "answered");
}

/**
 * Records the bridge's answer to a server request (`{id, result}`).
 * @returns false when no open request has that id (the caller logs the line).
 */
export async function answerRequest(
  ctx: MutationCtx,
  sessionRef: Id<"sessions">,
  id: string | number,
  result: JsonObject | undefined,
): Promise<boolean> {
  const row = await openRequest(ctx, sessionRef, requestKey(id));
  if (!row) return false;
  const decision = result && stringField(result, "decision");
  await ctx.db.patch("serverRequests", row._id, { status: "answered", ...(decision ? { decision: head(decision) } : {}) });
  return true;
}

/**
 * Applies `serverRequest/resolved` (`{threadId, requestId}`).
 * @returns false when no open request has that id.
 */
export async function resolveRequest(writer: ThreadWriter, params: JsonObject): Promise<boolean> {
  const id = params.requestId;
  if (typeof id !== "string" && typeof id !== "number") return false;
  const threadId = stringField(params, "threadId");
  if (threadId !== undefined) await writer.thread(threadId);
  const row = await openRequest(writer.ctx, writer.session._id, requestKey(id));
  if (!row) return false;
  await writer.ctx.db.patch("serverRequests", row._id, { status: "resolved", resolvedAt: writer.now });
  return true;
}

/**
 * Closes the still-open requests of a turn that ended: `cancelled`, or
 * `expired` with `expiredReason` when given (their codex is gone).
 */
export async function cancelTurnRequests(ctx: MutationCtx, threadRef: Id<"threads">, turnId: string, now: number, expiredReason?: string): Promise<void> {
  const closed = expiredReason === undefined ? { status: "cancelled" as const } : { status: "expired" as const, expiredReason };
  for (const status of ["pending", "answered"] as const) {
    const rows = await ctx.db
      .query("serverRequests")
      .withIndex("by_threadRef_turnId_status", (q) => q.eq("threadRef", threadRef).eq("turnId", turnId).eq("status", status))
      .take(MAX_OPEN_REQUESTS_PER_TURN);
    for (const row of rows) await ctx.db.patch("serverRequests", row._id, { ...closed, resolvedAt: now });
  }
}
