/**
 * Reading stream text back (a delta's text, a stream's whole text) and folding
 * the streams of an item that never completed into its message's text.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { MAX_FOLDED_TEXT_CHARS, MAX_MESSAGE_INLINE_CHARS } from "../../src/shared/limits.js";
import { PART_SEPARATOR, TEXT_STREAM_KIND } from "../../src/shared/streamKinds.js";
import { putText, readParts, readPartsTail } from "./parts.js";

/** Most streams of one kind an item may have that a fold reads (reasoning summary parts). */
const MAX_STREAMS_PER_ITEM_KIND = 64;

/** The text of one delta, joined from its parts when long. */
export async function deltaText(ctx: QueryCtx, delta: Doc<"deltas">): Promise<string> {
  return delta.textParts === undefined ? delta.text : await readParts(ctx, delta._id, "text");
}

/**
 * The whole text of a stream (its compacted base, then its stored deltas),
 * or undefined when it has more than `maxDeltas` stored deltas (too many to
 * read here; compaction folds them in bounded batches). A base longer than
 * `MAX_FOLDED_TEXT_CHARS` gives its tail.
 */
export async function streamText(ctx: QueryCtx, stream: Doc<"streams">, maxDeltas: number): Promise<string | undefined> {
  const deltas = await ctx.db
    .query("deltas")
    .withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id).gte("start", stream.compactedCursor ?? 0))
    .take(maxDeltas + 1);
  if (deltas.length > maxDeltas) return undefined;
  const base =
    stream.baseParts === undefined || stream.baseParts === 0
      ? ""
      : (await readPartsTail(ctx, stream._id, "base", stream.baseLength ?? 0, MAX_FOLDED_TEXT_CHARS)).text;
  const pieces = [base];
  for (const delta of deltas) pieces.push(await deltaText(ctx, delta));
  return pieces.join("");
}

/**
 * Sets the text of a message whose item never completed (no item/completed)
 * from its text streams: agent text, plan, command output, reasoning summary
 * parts (joined by a blank line). A file change keeps the diffs it started with.
 *
 * @param maxDeltas - Most stored deltas per stream to read here.
 * @returns false when some stream has more deltas than that (fold again after
 *   compaction); true when folded or there was nothing to fold.
 */
export async function foldMessageText(ctx: MutationCtx, message: Doc<"messages">, maxDeltas: number): Promise<boolean> {
  const kind = TEXT_STREAM_KIND[message.kind];
  if (kind === undefined || message.kind === "fileChange" || message.completedAt !== undefined) return true;
  const streams = await ctx.db
    .query("streams")
    .withIndex("by_threadRef_turnId_itemId_kind_part", (q) =>
      q.eq("threadRef", message.threadRef).eq("turnId", message.turnId).eq("itemId", message.itemId).eq("kind", kind),
    )
    .take(MAX_STREAMS_PER_ITEM_KIND);
  const texts: string[] = [];
  for (const stream of streams) {
    const text = await streamText(ctx, stream, maxDeltas);
    if (text === undefined) return false;
    if (text !== "") texts.push(text);
  }
  if (texts.length === 0) return true;
  let text = texts.join(kind === "reasoningSummary" ? PART_SEPARATOR : "");
  if (text.length > MAX_FOLDED_TEXT_CHARS) text = text.slice(text.length - MAX_FOLDED_TEXT_CHARS);
  const stored = await putText(ctx, message._id, "text", text, message.textParts, MAX_MESSAGE_INLINE_CHARS);
  await ctx.db.patch("messages", message._id, { text: stored.inline, textParts: stored.parts, textLength: text.length });
  return true;
}
