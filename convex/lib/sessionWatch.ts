/**
 * Keeps a bridge session's liveness: each call stamps `lastSeenAt` and clears
 * `stale`; a watchdog (timeouts.checkSession) marks the session stale once it
 * went `sessionStaleMs` without a call. At most one watchdog is pending per
 * session (`watchdogAt`). Ingest stamps through {@link touchSessionIfDue}: at
 * most once per {@link lastSeenStampMs} (a tenth of `sessionStaleMs`, at most
 * `LAST_SEEN_STAMP_MAX_MS`: 1 min by default), so a stream of batches, however
 * paced, does not rewrite the session document per batch or per second. The
 * stamp may lag the last call by that much, and the watchdog waits that much
 * longer: a session is marked stale after between `sessionStaleMs` and
 * `sessionStaleMs + lastSeenStampMs` without a call, never sooner.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { internal } from "../_generated/api.js";
import { DEFAULT_SESSION_STALE_MS, LAST_SEEN_STAMP_MAX_MS, LAST_SEEN_STAMP_TIMEOUT_FRACTION } from "../../src/shared/limits.js";

/** The session's stale timeout in milliseconds. */
export function sessionStaleMs(session: Pick<Doc<"sessions">, "timeouts">): number {
  return session.timeouts?.sessionStaleMs ?? DEFAULT_SESSION_STALE_MS;
}

/**
 * Most the session's `lastSeenAt` may lag its last call, in ms: a tenth of its
 * `sessionStaleMs`, at most `LAST_SEEN_STAMP_MAX_MS`.
 */
export function lastSeenStampMs(session: Pick<Doc<"sessions">, "timeouts">): number {
  return Math.min(LAST_SEEN_STAMP_MAX_MS, Math.floor(sessionStaleMs(session) / LAST_SEEN_STAMP_TIMEOUT_FRACTION));
}

/**
 * Stamps a call on the session, with `fields` to patch too, and arms the
 * watchdog when none is pending.
 */
export async function touchSession(
  ctx: MutationCtx,
  session: Doc<"sessions">,
  now: number,
  fields: Partial<Doc<"sessions">> = {},
): Promise<void> {
  const patch: Partial<Doc<"sessions">> = { ...fields, lastSeenAt: now };
  if (session.stale === true) patch.stale = false;
  if (session.watchdogAt === undefined) {
    const staleMs = sessionStaleMs({ timeouts: fields.timeouts ?? session.timeouts });
    await ctx.scheduler.runAfter(staleMs, internal.timeouts.checkSession, { sessionId: session._id });
    patch.watchdogAt = now + staleMs;
  }
  await ctx.db.patch("sessions", session._id, patch);
}

/**
 * Ingest's stamp: {@link touchSession} only when something changed that the
 * session document holds (`loggedEvents`, `stale`, an unarmed watchdog) or its
 * `lastSeenAt` is older than {@link lastSeenStampMs}.
 * @param loggedEvents - The session's count of events without a thread after the batch.
 */
export async function touchSessionIfDue(ctx: MutationCtx, session: Doc<"sessions">, now: number, loggedEvents: number | undefined): Promise<void> {
  const granularity = lastSeenStampMs(session);
  const due =
    loggedEvents !== session.loggedEvents ||
    session.stale === true ||
    session.watchdogAt === undefined ||
    now - session.lastSeenAt > granularity;
  if (due) await touchSession(ctx, session, now, { loggedEvents });
}
