/**
 * Keeps the thread's `lastTurn` (see `vLastTurn`): the newest turn's status,
 * written whenever a turn starts or ends, so a thread list shows "failed" or
 * "interrupted" from the thread row alone.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import type { LastTurn, TurnStatus } from "../../src/shared/validators.js";

/**
 * Records `status` as the thread's last turn outcome, unless the thread
 * already names a newer turn (a late end of an older turn changes nothing).
 * The error is kept only for a failed or interrupted turn.
 *
 * @param turn - The turn (its thread, id and order).
 * @param status - Its status now.
 * @param error - Why it failed or was interrupted, when known.
 */
export async function recordLastTurn(
  ctx: MutationCtx,
  turn: Pick<Doc<"turns">, "threadRef" | "turnId" | "order">,
  status: TurnStatus,
  error: string | undefined,
): Promise<void> {
  const thread = await ctx.db.get("threads", turn.threadRef);
  if (thread === null) return;
  const last = thread.lastTurn;
  if (last !== undefined && last.order > turn.order) return;
  const next: LastTurn = { turnId: turn.turnId, order: turn.order, status };
  if (error !== undefined && (status === "failed" || status === "interrupted")) next.error = error;
  if (last !== undefined && last.turnId === next.turnId && last.status === next.status && last.error === next.error) return;
  await ctx.db.patch("threads", thread._id, { lastTurn: next });
}
