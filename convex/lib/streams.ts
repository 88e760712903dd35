/**
 * The stream side of `messages.list`: the thread's live streams, and the
 * answer to a deltas query (per stream `ok`, `rebased` or `stale`, the deltas,
 * and where each reader stands after it). Every read is an index range with a
 * limit, so the cost follows what was asked, not the thread's size.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { codexError } from "../../src/shared/errors.js";
import {
  MAX_DELTAS_ANSWER_CHARS,
  MAX_DELTAS_PER_STREAM,
  MAX_LIVE_STREAMS_LISTED,
  MAX_REBASE_CHARS,
  MAX_STREAM_CURSORS,
} from "../../src/shared/limits.js";
import type { StreamAnswer, StreamCursor, StreamDelta, StreamInfo, StreamsResult } from "../../src/shared/validators.js";
import { deltaText } from "./fold.js";
import { readPartsTail } from "./parts.js";
import { streamHead } from "./streamHead.js";

/**
 * A stream document as `StreamInfo` (ids as strings).
 * @param nextCursor - Where it ends (lib/streamHead.ts: derived from its newest chunk).
 */
export function toStreamInfo(stream: Doc<"streams">, nextCursor: number): StreamInfo {
  return {
    streamId: stream._id,
    threadId: stream.threadId,
    turnId: stream.turnId,
    itemId: stream.itemId,
    kind: stream.kind,
    part: stream.part,
    state: stream.state,
    nextCursor,
  };
}

/** The tail (≤ `MAX_REBASE_CHARS`) of a stream's compacted text: its base parts, or its message's text when it is the same (`baseInMessage`). */
async function baseTail(ctx: QueryCtx, stream: Doc<"streams">): Promise<{ text: string; omittedChars: number }> {
  if (stream.baseInMessage !== true) return await readPartsTail(ctx, stream._id, "base", stream.baseLength ?? 0, MAX_REBASE_CHARS);
  const message = await ctx.db
    .query("messages")
    .withIndex("by_threadRef_turnId_itemId", (q) =>
      q.eq("threadRef", stream.threadRef).eq("turnId", stream.turnId).eq("itemId", stream.itemId),
    )
    .unique();
  if (message === null) return { text: "", omittedChars: 0 };
  if (message.textParts !== undefined) return await readPartsTail(ctx, message._id, "text", message.textLength ?? 0, MAX_REBASE_CHARS);
  const text = message.text ?? "";
  let start = Math.max(0, text.length - MAX_REBASE_CHARS);
  const first = text.charCodeAt(start);
  if (start > 0 && first >= 0xdc00 && first <= 0xdfff) start += 1; // never split a surrogate pair
  return { text: text.slice(start), omittedChars: start };
}

/** Whether a reader may see a stream: raw reasoning only when the host exposes it. */
function visible(stream: Doc<"streams">, exposeRawReasoning: boolean): boolean {
  return exposeRawReasoning || stream.kind !== "reasoningText";
}

/** The thread's streams still streaming (at most `MAX_LIVE_STREAMS_LISTED`), each with where it ends (one index read each). */
export async function liveStreams(ctx: QueryCtx, threadRef: Id<"threads">, exposeRawReasoning: boolean): Promise<StreamsResult> {
  const rows = await ctx.db
    .query("streams")
    .withIndex("by_threadRef_state", (q) => q.eq("threadRef", threadRef).eq("state", "streaming"))
    .take(MAX_LIVE_STREAMS_LISTED);
  const streams: StreamInfo[] = [];
  for (const stream of rows) {
    if (visible(stream, exposeRawReasoning)) streams.push(toStreamInfo(stream, (await streamHead(ctx, stream)).nextCursor));
  }
  return { kind: "list", streams };
}

/**
 * Answers a deltas query for streams of the thread document `threadRef`.
 * Each stream's end (`nextCursor`) is derived from its newest chunk
 * (lib/streamHead.ts): one index read per cursor, before any text is read.
 *
 * Read budget: the answer carries at most `MAX_DELTAS_ANSWER_CHARS` of text
 * (rebased tails and delta chunks together) for ANY number of cursors and
 * stream sizes, and reads about that much: the size of a rebased tail is known
 * before it is read (`baseLength`), a chunk's size before its parts are read
 * (`textLength`), and once the budget is spent nothing more is read. What does
 * not fit is answered `ok` at the cursor asked (no deltas, `nextCheckpoints`
 * unchanged): the reader asks again from there and gets the rest. Only the
 * first thing an answer carries may exceed what is left (it never exceeds
 * `MAX_REBASE_CHARS` or one stored chunk), so every call makes progress.
 * @throws ConvexError INVALID_ARGUMENT when more than `MAX_STREAM_CURSORS` cursors are asked.
 */
export async function answerDeltas(
  ctx: QueryCtx,
  threadRef: Id<"threads">,
  cursors: StreamCursor[],
  exposeRawReasoning: boolean,
): Promise<StreamsResult> {
  if (cursors.length > MAX_STREAM_CURSORS) {
    throw codexError("INVALID_ARGUMENT", `Ask for at most ${MAX_STREAM_CURSORS} streams per call; got ${cursors.length}.`);
  }
  const deltas: StreamDelta[] = [];
  const answers: StreamAnswer[] = [];
  const nextCheckpoints: StreamCursor[] = [];
  let budget = MAX_DELTAS_ANSWER_CHARS;
  let carried = 0; // rebased texts and deltas in the answer so far
  const fits = (chars: number) => carried === 0 || chars <= budget;
  for (const { streamId, cursor } of cursors) {
    const id = ctx.db.normalizeId("streams", streamId);
    const stream = id && (await ctx.db.get("streams", id));
    const stale = { streamId, status: "stale" as const, cursor };
    if (!stream || stream.threadRef !== threadRef || !visible(stream, exposeRawReasoning)) {
      answers.push(stale);
      continue;
    }
    const { nextCursor } = await streamHead(ctx, stream);
    if (!Number.isInteger(cursor) || cursor < 0 || cursor > nextCursor) {
      answers.push(stale);
      continue;
    }
    const where = { state: stream.state, nextCursor };
    const compacted = stream.compactedCursor ?? 0;
    const later = () => {
      // Over the budget: nothing read; the reader asks again from the same cursor.
      answers.push({ streamId, status: "ok", cursor, ...where });
      nextCheckpoints.push({ streamId, cursor });
    };
    let from = cursor;
    if (cursor < compacted) {
      if (!fits(Math.min(stream.baseLength ?? MAX_REBASE_CHARS, MAX_REBASE_CHARS))) {
        later();
        continue;
      }
      const tail = await baseTail(ctx, stream);
      answers.push({ streamId, status: "rebased", cursor: compacted, text: tail.text, omittedChars: tail.omittedChars, ...where });
      budget -= tail.text.length;
      carried += 1;
      from = compacted;
    } else {
      if (cursor < nextCursor && budget <= 0 && carried > 0) {
        later();
        continue;
      }
      answers.push({ streamId, status: "ok", cursor, ...where });
    }
    let reached = from;
    let rows = 0;
    const query = ctx.db.query("deltas").withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id).gte("start", from));
    for await (const row of query) {
      if (rows >= MAX_DELTAS_PER_STREAM || !fits(row.textLength ?? row.text.length)) break;
      const text = await deltaText(ctx, row);
      budget -= text.length;
      carried += 1;
      rows += 1;
      deltas.push({ streamId, start: row.start, end: row.end, text });
      if (row.start === reached) reached = row.end;
    }
    nextCheckpoints.push({ streamId, cursor: reached });
  }
  return { kind: "deltas", deltas, answers, nextCheckpoints };
}
