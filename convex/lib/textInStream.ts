/**
 * One durable copy of a long streamed text (issue 11). An agent message or
 * plan arrives twice: as deltas (kept in its stream: chunks, folded by
 * compaction into the stream's base parts) and as the text of its
 * item/completed. When the two are the same text, storing the second in the
 * message's own parts would write every byte once more (and a stream compacted
 * while live, past `LIVE_COMPACT_THRESHOLD_DELTAS`, would hold a third copy
 * until it expired). Instead the message keeps its inline head
 * (`MAX_MESSAGE_INLINE_CHARS`, what list pages show), `textParts: 0` (so the
 * hooks fetch the whole text) and `textStream`: its whole text is the first
 * `textLength` code units of that stream's text, base then chunks. The stream
 * is marked `holdsMessageText`: once finished, compaction leaves its chunks
 * as they are (they are the copy; live compaction already folded all but the
 * last `LIVE_COMPACT_THRESHOLD_DELTAS` events into its base, so they stay few)
 * and expiry keeps it for good. Every byte of such a text is thus written once
 * as a chunk, and at most once more (into the base) when the stream was
 * compacted while live.
 *
 * Equality is checked in full, not by size: the streamed text is read (base
 * parts, then chunks from the compacted cursor; the same UTF-8 size first as
 * a cheap reject where it is known) and compared code unit by code unit, stopping at the first
 * difference. A text that differs (lost or extra deltas, a rewritten final
 * text, a lone surrogate the stream replaced) is stored in the message as
 * before, and the stream keeps its own copy: both survive. A short text (at
 * most `MAX_MESSAGE_INLINE_CHARS`) is whole inline in the message, so there
 * the stream's base refers to the message instead (`baseInMessage`, see
 * applyItem.markTextInMessage).
 */
import type { Doc } from "../_generated/dataModel.js";
import type { QueryCtx } from "../_generated/server.js";
import { deltaText } from "./fold.js";
import { streamHead } from "./streamHead.js";
import { utf8Bytes } from "./utf8.js";

/** The pieces of a stream's text in order: its base parts, then its chunks from the compacted cursor on. */
async function* streamPieces(ctx: QueryCtx, stream: Doc<"streams">): AsyncGenerator<string> {
  if ((stream.baseParts ?? 0) > 0) {
    const parts = ctx.db.query("parts").withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", stream._id).eq("field", "base"));
    for await (const part of parts) yield part.text;
  }
  const chunks = ctx.db.query("deltas").withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id).gte("start", stream.compactedCursor ?? 0));
  for await (const chunk of chunks) yield await deltaText(ctx, chunk);
}

/**
 * Whether the stream's whole text is exactly `text`. Reads at most about
 * `text.length` code units of it (it stops at the first difference or once
 * past the end of `text`), nothing when the UTF-8 sizes differ.
 */
export async function streamTextEquals(ctx: QueryCtx, stream: Doc<"streams">, text: string): Promise<boolean> {
  if (stream.baseInMessage === true) return false; // its base is a message's text, not its own
  const { textBytes } = await streamHead(ctx, stream);
  if (textBytes !== undefined && textBytes !== utf8Bytes(text)) return false;
  let at = 0;
  for await (const piece of streamPieces(ctx, stream)) {
    if (at + piece.length > text.length || text.slice(at, at + piece.length) !== piece) return false;
    at += piece.length;
  }
  return at === text.length;
}

/**
 * The whole text of a message kept in its stream (`textStream`): the first
 * `textLength` code units of the stream's text, or the message's inline head
 * when the stream is gone (it never is: a stream holding a message's text is
 * never expired).
 */
export async function textFromStream(ctx: QueryCtx, message: Doc<"messages">): Promise<string | undefined> {
  const stream = message.textStream === undefined ? null : await ctx.db.get("streams", message.textStream);
  if (stream === null) return message.text;
  const length = message.textLength ?? 0;
  const pieces: string[] = [];
  let chars = 0;
  for await (const piece of streamPieces(ctx, stream)) {
    if (chars >= length) break;
    pieces.push(piece);
    chars += piece.length;
  }
  return pieces.join("").slice(0, length);
}

/** The whole text of a message, wherever it is kept: inline, in its own parts, or in its stream. */
export async function messageText(ctx: QueryCtx, message: Doc<"messages">): Promise<string | undefined> {
  if (message.textStream !== undefined) return await textFromStream(ctx, message);
  if (message.textParts === undefined) return message.text;
  const parts = await ctx.db
    .query("parts")
    .withIndex("by_ownerId_field_index", (q) => q.eq("ownerId", message._id).eq("field", "text"))
    .collect();
  return parts.map((p) => p.text).join("");
}
