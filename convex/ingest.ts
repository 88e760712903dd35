import { v } from "convex/values";
import { mutation } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_BATCH_BYTES, MAX_COALESCED_SEQS, MAX_EVENT_BYTES, MAX_EVENTS_PER_BATCH } from "../src/shared/limits.js";
import { type CodexEvent, vCodexEvent, vIngestResult } from "../src/shared/validators.js";
import { applyEvent } from "./lib/apply.js";
import { ackedSeqOf, ackRow, writeAckedSeq } from "./lib/sessionAck.js";
import { touchSessionIfDue } from "./lib/sessionWatch.js";
import { ThreadWriter } from "./lib/writer.js";

/**
 * Checks a batch's shape before anything is applied, so a bad batch changes
 * nothing. @throws ConvexError INVALID_BATCH or PAYLOAD_TOO_LARGE.
 */
function checkBatch(events: CodexEvent[]): void {
  if (events.length > MAX_EVENTS_PER_BATCH) {
    throw codexError(
      "PAYLOAD_TOO_LARGE",
      `A batch holds at most ${MAX_EVENTS_PER_BATCH} events; got ${events.length}. Split it.`,
    );
  }
  let bytes = 0;
  let previousEnd = 0;
  for (const event of events) {
    const end = event.seqEnd ?? event.seq;
    if (!Number.isSafeInteger(event.seq) || event.seq < 1 || !Number.isSafeInteger(end) || end < event.seq) {
      throw codexError(
        "INVALID_BATCH",
        `Event seq must be a positive integer and seqEnd ≥ seq; got seq=${event.seq}, seqEnd=${event.seqEnd}.`,
      );
    }
    if (end - event.seq >= MAX_COALESCED_SEQS) {
      throw codexError(
        "INVALID_BATCH",
        `Event ${event.seq} stands for ${end - event.seq + 1} seqs (seqEnd ${end}); one event covers at most ${MAX_COALESCED_SEQS}. The bridge never coalesces more: resend the events uncoalesced.`,
      );
    }
    if (event.seq <= previousEnd) {
      throw codexError(
        "INVALID_BATCH",
        `Events must be in ascending, non-overlapping seq order; seq ${event.seq} follows ${previousEnd}.`,
      );
    }
    previousEnd = end;
    if (event.line.length > MAX_EVENT_BYTES) {
      throw codexError(
        "PAYLOAD_TOO_LARGE",
        `Event ${event.seq} is ${event.line.length} characters; the limit is ${MAX_EVENT_BYTES}. The bridge shrinks such lines (see MAX_EVENT_BYTES); resend it shrunk.`,
      );
    }
    bytes += event.line.length;
  }
  if (events.length > 1 && bytes > MAX_BATCH_BYTES) {
    throw codexError(
      "PAYLOAD_TOO_LARGE",
      `A batch of several events holds at most ${MAX_BATCH_BYTES} characters of lines; got ${bytes}. Send fewer events per batch.`,
    );
  }
}

/**
 * Applies a batch of a bridge session's events, exactly once each.
 *
 * Events are taken in seq order: a seq at or below the session's `ackedSeq`
 * (kept in its `sessionAcks` row, lib/sessionAck.ts) is
 * a duplicate and skipped; the next seq is applied; a seq further ahead stops
 * the batch and the answer's `gap` says where to resend from. Either the whole
 * call commits or nothing does, so resending any batch is always safe.
 * Every read is an index lookup, so the cost of a batch does not grow with the
 * size of the thread or of any table.
 *
 * @param userId - Owner, as the host app derived it from auth.
 * @param sessionId - A session created by `ensureSession`.
 * @param events - Up to `MAX_EVENTS_PER_BATCH` events, ascending by seq.
 * @returns `{ ackedSeq, applied, duplicates, gap }`.
 * Sessions and threads are keyed per user, so no other user's data is ever
 * read or written, whatever ids the batch names.
 * @throws ConvexError SESSION_NOT_FOUND (call ensureSession first), INVALID_BATCH,
 *   PAYLOAD_TOO_LARGE.
 */
export const ingestSafe = mutation({
  args: { userId: v.string(), sessionId: v.string(), events: v.array(vCodexEvent) },
  returns: vIngestResult,
  handler: async (ctx, args) => {
    checkBatch(args.events);
    const session = await ctx.db
      .query("sessions")
      .withIndex("by_userId_sessionId", (q) => q.eq("userId", args.userId).eq("sessionId", args.sessionId))
      .unique();
    if (session === null) {
      throw codexError("SESSION_NOT_FOUND", `Session ${args.sessionId} is unknown for this user; call ensureSession first.`);
    }
    const now = Date.now();
    const writer = new ThreadWriter(ctx, session, now);
    const ack = await ackRow(ctx, session);
    let ackedSeq = ackedSeqOf(session, ack);
    let applied = 0;
    let duplicates = 0;
    let gap: { expectedSeq: number; receivedSeq: number } | null = null;
    for (const event of args.events) {
      const end = event.seqEnd ?? event.seq;
      if (end <= ackedSeq) {
        duplicates += 1;
        continue;
      }
      if (event.seq !== ackedSeq + 1) {
        // Ahead of the session, or a coalesced run straddling what is applied.
        gap = { expectedSeq: ackedSeq + 1, receivedSeq: event.seq };
        break;
      }
      await applyEvent(writer, event);
      ackedSeq = end;
      applied += 1;
    }
    await writer.flush();
    await writeAckedSeq(ctx, session, ack, ackedSeq);
    await touchSessionIfDue(ctx, session, now, writer.sessionLoggedEvents);
    return { ackedSeq, applied, duplicates, gap };
  },
});
