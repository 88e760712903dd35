/**
 * Ending a turn: whether Codex completed it, the bridge reported it failed, or
 * the idle watchdog closed it. Finishes its streams, settles items left in
 * progress (folding their streamed text into the message) and cancels its
 * open server requests. Bounded: every read is an index range with a limit.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { FOLD_INLINE_MAX_DELTAS, MAX_LIVE_STREAMS_LISTED } from "../../src/shared/limits.js";
import type { MessageStatus, TurnStatus } from "../../src/shared/validators.js";
import { foldMessageText } from "./fold.js";
import { recordLastTurn } from "./lastTurn.js";
import { cancelTurnRequests } from "./serverRequests.js";
import { finishStream } from "./streamWriter.js";

/** Most items of one turn still in progress that a turn end settles. */
const MAX_OPEN_ITEMS_PER_TURN = 256;

/** How a turn ended. */
export type TurnEnd = {
  status: Exclude<TurnStatus, "inProgress">;
  error?: string | undefined;
  completedAt?: number | undefined;
  durationMs?: number | undefined;
  /**
   * Set when the turn ended because its codex is gone (the bridge's
   * `bridge/turnFailed`): the JSON-RPC ids of its open requests died with it,
   * so they are marked `expired` with this reason instead of `cancelled`.
   */
  requestsExpiredReason?: string | undefined;
};

/** The status an item left in progress gets when its turn ends. */
function settledStatus(status: TurnEnd["status"]): MessageStatus {
  return status === "completed" ? "completed" : status;
}

/** Finishes the streams, items and requests of a turn that ended (the turn itself is patched by the caller). */
export async function settleTurn(ctx: MutationCtx, turn: Doc<"turns">, end: TurnEnd, now: number): Promise<void> {
  const streams = await ctx.db
    .query("streams")
    .withIndex("by_threadRef_state", (q) => q.eq("threadRef", turn.threadRef).eq("state", "streaming"))
    .take(MAX_LIVE_STREAMS_LISTED);
  for (const stream of streams) {
    if (stream.turnId === turn.turnId) await finishStream(ctx, stream, now);
  }
  const open = await ctx.db
    .query("messages")
    .withIndex("by_threadRef_turnId_status", (q) =>
      q.eq("threadRef", turn.threadRef).eq("turnId", turn.turnId).eq("status", "inProgress"),
    )
    .take(MAX_OPEN_ITEMS_PER_TURN);
  const status = settledStatus(end.status);
  for (const message of open) {
    await ctx.db.patch("messages", message._id, { status });
    // Long streams are folded by their compaction instead (see cleanup.compactStream).
    await foldMessageText(ctx, { ...message, status }, FOLD_INLINE_MAX_DELTAS);
  }
  await cancelTurnRequests(ctx, turn.threadRef, turn.turnId, now, end.requestsExpiredReason);
}

/**
 * Ends a turn from outside Codex's own turn/completed (bridge failure, idle
 * timeout): patches status, error and completion time (and the thread's
 * `lastTurn`), then {@link settleTurn}.
 * A turn already ended is left as it is.
 * @returns false when the turn had already ended.
 */
export async function closeTurn(ctx: MutationCtx, turn: Doc<"turns">, end: TurnEnd, now: number): Promise<boolean> {
  if (turn.status !== "inProgress") return false;
  const patch: Partial<Doc<"turns">> = { status: end.status, completedAt: end.completedAt ?? now };
  if (end.error !== undefined) patch.error = end.error;
  await ctx.db.patch("turns", turn._id, patch);
  await recordLastTurn(ctx, turn, end.status, end.error);
  await settleTurn(ctx, { ...turn, ...patch }, end, now);
  return true;
}
