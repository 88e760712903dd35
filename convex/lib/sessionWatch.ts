/**
 * Keeps a bridge session's liveness: each call stamps `lastSeenAt` and clears
 * `stale`; a watchdog (timeouts.checkSession) marks the session stale once it
 * went `sessionStaleMs` without a call. At most one watchdog is pending per
 * session (`watchdogAt`). Ingest stamps its calls in the session's
 * acknowledgement row (lib/sessionAck.ts `writeAck`, exact for a batch that
 * applies an event, else to within `LAST_SEEN_STAMP_MAX_MS`), which the
 * watchdog reads; it touches the session document itself through
 * {@link touchSessionIfDue} only when something the document holds changed,
 * or at most once per `SESSION_ORDER_STAMP_MAX_MS` (1 min) to keep
 * `sessions.list`'s order. So a stream of batches, however paced, does not
 * rewrite the session document for liveness.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { internal } from "../_generated/api.js";
import { DEFAULT_SESSION_STALE_MS, SESSION_ORDER_STAMP_MAX_MS } from "../../src/shared/limits.js";

/** The session's stale timeout in milliseconds. */
export function sessionStaleMs(session: Pick<Doc<"sessions">, "timeouts">): number {
  return session.timeouts?.sessionStaleMs ?? DEFAULT_SESSION_STALE_MS;
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
 * Ingest's touch of the session document: {@link touchSession} only when
 * something changed that the document holds (`loggedEvents`, `stale`, an
 * unarmed watchdog) or its own `lastSeenAt` (the list's order) is older than
 * `SESSION_ORDER_STAMP_MAX_MS`. The exact stamp is the acknowledgement row's.
 * @param loggedEvents - The session's count of events without a thread after the batch.
 */
export async function touchSessionIfDue(ctx: MutationCtx, session: Doc<"sessions">, now: number, loggedEvents: number | undefined): Promise<void> {
  const due =
    loggedEvents !== session.loggedEvents ||
    session.stale === true ||
    session.watchdogAt === undefined ||
    now - session.lastSeenAt > SESSION_ORDER_STAMP_MAX_MS;
  if (due) await touchSession(ctx, session, now, { loggedEvents });
}
