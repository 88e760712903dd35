/**
 * A session's acknowledgement: the highest seq applied, contiguous from 1.
 * Ingest reads and writes it on every batch to deduplicate and order events,
 * so it lives in a document of its own (`sessionAcks`: just `ackedSeq`, 81
 * bytes, found by the session's `ackRef`) rather than on the session document
 * (~180 bytes with its timeouts, host and watchdog): a batch of 256 bytes of
 * text then pays for a small write, not a whole session (issue 11). The
 * guarantee is unchanged: the acknowledgement is read and written in the same
 * transaction as the events it covers, so an event is applied exactly once
 * whatever is resent.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";

/** The session's acknowledgement row, or null when it has none yet (sessions created before `sessionAcks`). */
export async function ackRow(ctx: QueryCtx, session: Doc<"sessions">): Promise<Doc<"sessionAcks"> | null> {
  return session.ackRef === undefined ? null : await ctx.db.get("sessionAcks", session.ackRef);
}

/** The highest seq applied of a session, given its acknowledgement row. */
export function ackedSeqOf(session: Doc<"sessions">, ack: Doc<"sessionAcks"> | null): number {
  return ack?.ackedSeq ?? session.ackedSeq;
}

/** The highest seq applied of a session (one read). */
export async function readAckedSeq(ctx: QueryCtx, session: Doc<"sessions">): Promise<number> {
  return ackedSeqOf(session, await ackRow(ctx, session));
}

/** Creates the acknowledgement row of a new session. @returns its id, for the session's `ackRef`. */
export async function createAck(ctx: MutationCtx, ackedSeq: number): Promise<Doc<"sessionAcks">["_id"]> {
  return await ctx.db.insert("sessionAcks", { ackedSeq });
}

/** Records `ackedSeq` as the session's highest seq applied; writes nothing when unchanged. */
export async function writeAckedSeq(ctx: MutationCtx, session: Doc<"sessions">, ack: Doc<"sessionAcks"> | null, ackedSeq: number): Promise<void> {
  if (ackedSeq === ackedSeqOf(session, ack)) return;
  if (ack !== null) await ctx.db.patch("sessionAcks", ack._id, { ackedSeq });
  else await ctx.db.patch("sessions", session._id, { ackRef: await createAck(ctx, ackedSeq) });
}
