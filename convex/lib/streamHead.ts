/**
 * Where a stream ends, derived from its newest chunk rather than stored on
 * the stream document (issue 11): ingest appends a `deltas` chunk per stream
 * per batch and never patches the stream document for it, so a batch of 256
 * bytes of text costs its chunk and nothing else. The stream document keeps
 * what changes rarely (state, compaction) and, as of its last write, the
 * cursor, time and size its compaction reached; the live values are the
 * newest chunk's when one is stored:
 *
 * - `nextCursor` = the newest chunk's `end` (chunks are contiguous cursor
 *   ranges, so this equals the number of delta events received), else the
 *   stream's own `nextCursor` (≥ `compactedCursor`: compaction keeps it);
 * - `updatedAt` = the newest chunk's `_creationTime` (the batch that stored
 *   it), else the stream's `updatedAt`;
 * - `textBytes` = the newest chunk's `bytes` (cumulative UTF-8 bytes of the
 *   stream's text through that chunk, kept on command output chunks only),
 *   else the stream's `textBytes` (what compaction folded); unknown for other
 *   kinds while chunks are stored.
 *
 * One index read (`by_streamId_start`, descending, first) per stream.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";

/** The live end of a stream: see the file header. */
export type StreamHead = {
  /** Cursor after the last delta event stored (a count of Codex delta events). */
  nextCursor: number;
  /** When the stream last received text or changed, ms since the Unix epoch. */
  updatedAt: number;
  /** UTF-8 bytes of every delta received (the whole streamed text); undefined when unknown (see the file header). */
  textBytes: number | undefined;
};

/** The newest stored chunk of a stream, or null when none is stored (none yet, or all compacted). */
export async function newestChunk(ctx: QueryCtx, streamId: Doc<"streams">["_id"]): Promise<Doc<"deltas"> | null> {
  return await ctx.db
    .query("deltas")
    .withIndex("by_streamId_start", (q) => q.eq("streamId", streamId))
    .order("desc")
    .first();
}

/** The head of `stream` given its newest chunk (see the file header). */
export function headOf(stream: Doc<"streams">, newest: Doc<"deltas"> | null): StreamHead {
  return {
    nextCursor: Math.max(stream.nextCursor, stream.compactedCursor ?? 0, newest?.end ?? 0),
    updatedAt: Math.max(stream.updatedAt, newest?._creationTime ?? 0),
    textBytes: newest === null ? (stream.textBytes ?? 0) : newest.bytes,
  };
}

/** The live end of a stream: one index read. */
export async function streamHead(ctx: QueryCtx, stream: Doc<"streams">): Promise<StreamHead> {
  return headOf(stream, await newestChunk(ctx, stream._id));
}
