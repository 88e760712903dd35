/**
 * Watchdogs, run by the scheduler (nothing waits for a later ingest):
 * - `checkTurn` closes a turn with no event for its `turnIdleMs` (interrupted,
 *   with the reason) and finishes its streams with no delta for `streamIdleMs`.
 *   A turn's `lastEventAt` may lag its last event by `lastEventStampMs`
 *   (lib/turnWatch.ts: a tenth of `turnIdleMs`, at most a minute), so the turn
 *   is closed after between `turnIdleMs` and that much more without an event,
 *   never sooner; a stream's idleness is exact (its newest chunk's time);
 * - `checkSession` marks a bridge session stale after its `sessionStaleMs`
 *   without a call: its `lastSeenAt` may lag the last call by `lastSeenStampMs`
 *   (lib/sessionWatch.ts: a tenth of `sessionStaleMs`, at most a minute), so
 *   it is marked after between `sessionStaleMs` and that much more, never sooner.
 * Each reschedules itself for its next deadline while there is one.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { internalMutation } from "./_generated/server.js";
import { MAX_LIVE_STREAMS_LISTED } from "../src/shared/limits.js";
import { lastSeenStampMs, sessionStaleMs } from "./lib/sessionWatch.js";
import { streamHead } from "./lib/streamHead.js";
import { finishStream } from "./lib/streamWriter.js";
import { closeTurn } from "./lib/turnEnd.js";
import { lastEventStampMs } from "./lib/turnWatch.js";

/**
 * Closes an idle turn (no event for `turnIdleMs`, to within `lastEventStampMs(turnIdleMs)` later, never sooner), or its idle streams, and checks again at the next deadline.
 * @param turnId - The turn document's id.
 * @param turnIdleMs - Time without an event of the turn before it is closed, in ms.
 * @param streamIdleMs - Time without a delta before a stream is finished, in ms.
 * @returns null.
 */
export const checkTurn = internalMutation({
  args: { turnId: v.id("turns"), turnIdleMs: v.number(), streamIdleMs: v.number() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const turn = await ctx.db.get("turns", args.turnId);
    if (turn === null || turn.status !== "inProgress") return null;
    const now = Date.now();
    const lastEventAt = turn.lastEventAt ?? turn._creationTime;
    // The stamp may lag the last event by up to lastEventStampMs: wait that much more, so a turn is never closed early.
    const closeAfterMs = args.turnIdleMs + lastEventStampMs(args.turnIdleMs);
    if (now - lastEventAt >= closeAfterMs) {
      const error = `No event for ${Math.round(args.turnIdleMs / 1000)} s: codex-convex closed the turn as interrupted (is the bridge running?).`;
      await closeTurn(ctx, turn, { status: "interrupted", error }, now);
      return null;
    }
    let next = lastEventAt + closeAfterMs;
    const streams = await ctx.db
      .query("streams")
      .withIndex("by_threadRef_state", (q) => q.eq("threadRef", turn.threadRef).eq("state", "streaming"))
      .take(MAX_LIVE_STREAMS_LISTED);
    for (const stream of streams) {
      if (stream.turnId !== turn.turnId) continue;
      const { updatedAt } = await streamHead(ctx, stream); // its newest chunk's time (ingest does not stamp the stream)
      if (now - updatedAt >= args.streamIdleMs) await finishStream(ctx, stream, now);
      else next = Math.min(next, updatedAt + args.streamIdleMs);
    }
    await ctx.scheduler.runAfter(Math.max(0, next - now), internal.timeouts.checkTurn, args);
    return null;
  },
});

/**
 * Marks a session stale once it went its `sessionStaleMs` without a call (to within `lastSeenStampMs` later, never sooner);
 * otherwise checks again when it would be.
 * @param sessionId - The session document's id.
 * @returns null.
 */
export const checkSession = internalMutation({
  args: { sessionId: v.id("sessions") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const session = await ctx.db.get("sessions", args.sessionId);
    if (session === null) return null;
    const now = Date.now();
    // The stamp may lag the last call by up to lastSeenStampMs: wait that much more, so a session is never marked stale early.
    const due = session.lastSeenAt + sessionStaleMs(session) + lastSeenStampMs(session);
    if (now >= due) {
      await ctx.db.patch("sessions", session._id, { stale: true, watchdogAt: undefined });
      return null;
    }
    await ctx.scheduler.runAfter(due - now, internal.timeouts.checkSession, args);
    await ctx.db.patch("sessions", session._id, { watchdogAt: due });
    return null;
  },
});
