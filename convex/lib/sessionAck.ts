/**
 * A session's acknowledgement: the highest seq applied, contiguous from 1, and
 * the time of the session's last ingest call. Ingest reads and writes it on
 * every batch to deduplicate and order events, so it lives in a document of
 * its own (`sessionAcks`: `ackedSeq` and `lastSeenAt`, ~100 bytes, found by
 * the session's `ackRef`) rather than on the session document (~220 bytes
 * with its timeouts, host and watchdog): a batch of 256 bytes of text then
 * pays for a small write, not a whole session (issue 11). The guarantee is
 * unchanged: the acknowledgement is read and written in the same transaction
 * as the events it covers, so an event is applied exactly once whatever is
 * resent.
 *
 * Liveness rides along: the row's `lastSeenAt` is stamped with every batch
 * that applies an event (exact, and free: the row is written then anyway) and,
 * for a batch of duplicates only, when older than `LAST_SEEN_STAMP_MAX_MS`.
 * The session watchdog and `sessions.list` read the later of it and the
 * session's own `lastSeenAt` ({@link lastSeenOf}), so a paced stream of
 * batches never rewrites the session document for liveness.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { LAST_SEEN_STAMP_MAX_MS } from "../../src/shared/limits.js";
import { sessionStaleMs } from "./sessionWatch.js";

/** The session's acknowledgement row, or null when it has none yet (sessions created before `sessionAcks`). */
export async function ackRow(ctx: QueryCtx, session: Doc<"sessions">): Promise<Doc<"sessionAcks"> | null> {
  return session.ackRef === undefined ? null : await ctx.db.get("sessionAcks", session.ackRef);
}

/** The highest seq applied of a session, given its acknowledgement row. */
export function ackedSeqOf(session: Doc<"sessions">, ack: Doc<"sessionAcks"> | null): number {
  return ack?.ackedSeq ?? session.ackedSeq;
}

/**
 * The session's last call (ms since the epoch), given its acknowledgement row:
 * the later of the row's stamp (ingest) and the session's own (ensureSession;
 * rows from before the row had a stamp).
 */
export function lastSeenOf(session: Doc<"sessions">, ack: Doc<"sessionAcks"> | null): number {
  return Math.max(session.lastSeenAt, ack?.lastSeenAt ?? 0);
}

/** The highest seq applied of a session (one read). */
export async function readAckedSeq(ctx: QueryCtx, session: Doc<"sessions">): Promise<number> {
  return ackedSeqOf(session, await ackRow(ctx, session));
}

/** Creates the acknowledgement row of a new session. @returns its id, for the session's `ackRef`. */
export async function createAck(ctx: MutationCtx, ackedSeq: number, lastSeenAt?: number): Promise<Doc<"sessionAcks">["_id"]> {
  return await ctx.db.insert("sessionAcks", lastSeenAt === undefined ? { ackedSeq } : { ackedSeq, lastSeenAt });
}

/**
 * Records an ingest call at `now` that left the session's highest seq applied
 * at `ackedSeq`: writes the row (both fields) when `ackedSeq` changed or its
 * `lastSeenAt` is older than `LAST_SEEN_STAMP_MAX_MS` (a tenth of a shorter
 * `sessionStaleMs`); otherwise writes nothing. A session without a row gets one.
 */
export async function writeAck(ctx: MutationCtx, session: Doc<"sessions">, ack: Doc<"sessionAcks"> | null, ackedSeq: number, now: number): Promise<void> {
  const granularityMs = Math.min(LAST_SEEN_STAMP_MAX_MS, Math.floor(sessionStaleMs(session) / 10));
  if (ackedSeq === ackedSeqOf(session, ack) && now - lastSeenOf(session, ack) <= granularityMs) return;
  if (ack !== null) await ctx.db.patch("sessionAcks", ack._id, { ackedSeq, lastSeenAt: now });
  else await ctx.db.patch("sessions", session._id, { ackRef: await createAck(ctx, ackedSeq, now) });
}
