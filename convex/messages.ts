import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query, type QueryCtx } from "./_generated/server.js";
import { LIVE_COMPACT_THRESHOLD_DELTAS, MAX_DELTAS_ANSWER_CHARS } from "../src/shared/limits.js";
import { COMMAND_OUTPUT } from "./lib/commandOutput.js";
import { deltaText } from "./lib/fold.js";
import { ITEM_TEXT_FIELD } from "./lib/items.js";
import { type MessageDoc, type StreamsResult, vMessagesPage, vMessageText, vStreamArgs } from "../src/shared/validators.js";
import { pageInPrefix } from "./lib/pagination.js";
import { readParts } from "./lib/parts.js";
import { answerDeltas, liveStreams } from "./lib/streams.js";
import { messageText } from "./lib/textInStream.js";
import { ownedThread } from "./threads.js";

/**
 * The whole streamed output of a command message (its commandOutput stream), or undefined when more than
 * `LIVE_COMPACT_THRESHOLD_DELTAS` chunks await compaction or the output passes `MAX_DELTAS_ANSWER_CHARS` (4 Mi characters).
 */
async function streamedOutputOf(ctx: QueryCtx, message: Doc<"messages">): Promise<string | undefined> {
  const stream = await ctx.db
    .query("streams")
    .withIndex("by_threadRef_turnId_itemId_kind_part", (q) =>
      q
        .eq("threadRef", message.threadRef)
        .eq("turnId", message.turnId)
        .eq("itemId", message.itemId)
        .eq("kind", COMMAND_OUTPUT.kind)
        .eq("part", COMMAND_OUTPUT.part),
    )
    .unique();
  if (stream === null) return undefined;
  const deltas = await ctx.db
    .query("deltas")
    .withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id).gte("start", stream.compactedCursor ?? 0))
    .take(LIVE_COMPACT_THRESHOLD_DELTAS + 1);
  if (deltas.length > LIVE_COMPACT_THRESHOLD_DELTAS) return undefined;
  // Sizes are known before long texts are read: stay inside a query's read budget, as the deltas query does.
  const chars = deltas.reduce((sum, d) => sum + (d.textLength ?? d.text.length), stream.baseLength ?? 0);
  if (chars > MAX_DELTAS_ANSWER_CHARS) return undefined;
  const pieces = [(stream.baseParts ?? 0) > 0 ? await readParts(ctx, stream._id, "base") : ""];
  for (const delta of deltas) pieces.push(await deltaText(ctx, delta));
  return pieces.join("");
}

/** A message document as queries return it (without the thread reference nor where its text is kept). */
function toMessageDoc(doc: Doc<"messages">): MessageDoc {
  const { threadRef, textStream, ...message } = doc;
  void threadRef;
  void textStream;
  return message;
}

/**
 * A page of a thread's messages (Codex items) and, when asked, its live streams.
 *
 * Pages walk the thread's items by `order` (newest first unless `order: "asc"`)
 * with convex-helpers' paginator, so adjacent pages stay adjacent as the
 * thread grows when the client passes `endCursor` (convex-helpers'
 * `usePaginatedQuery` does).
 *
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param paginationOpts - `{ numItems (1..200), cursor, endCursor? }`.
 * Every read is an index range: a page costs the same in a thread of 100
 * messages or of 100,000.
 *
 * @param streamArgs - `{kind: "list"}` for the thread's live streams, or
 *   `{kind: "deltas", cursors: [{streamId, cursor}]}` (≤ 64) for the deltas
 *   at or after each cursor (≤ 256 per stream per call). The deltas answer
 *   also says per stream `ok`, `rebased` (compacted: here is the durable text
 *   and the new cursor) or `stale` (unknown or expired), and `nextCheckpoints`.
 * @param exposeRawReasoning - Set by the host: include raw reasoning streams.
 * @returns `{ page, isDone, continueCursor, streams? }`.
 * @throws ConvexError THREAD_NOT_FOUND when the thread is unknown or not the
 *   user's; INVALID_ARGUMENT when `numItems` or the cursor count is out of
 *   range, or a pagination cursor is not one this query returned (see lib/pagination.ts).
 */
export const list = query({
  args: {
    userId: v.string(),
    threadId: v.string(),
    paginationOpts: paginationOptsValidator,
    order: v.optional(v.union(v.literal("asc"), v.literal("desc"))),
    streamArgs: v.optional(vStreamArgs),
    exposeRawReasoning: v.optional(v.boolean()),
  },
  returns: vMessagesPage,
  handler: async (ctx, args) => {
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const result = await pageInPrefix(
      ctx,
      { table: "messages", index: "by_threadRef_order", prefix: [["threadRef", thread._id]], order: args.order ?? "desc" },
      args.paginationOpts,
      0,
    );
    const raw = args.exposeRawReasoning === true;
    let streams: StreamsResult | undefined;
    if (args.streamArgs?.kind === "list") streams = await liveStreams(ctx, thread._id, raw);
    else if (args.streamArgs?.kind === "deltas") {
      streams = await answerDeltas(ctx, thread._id, args.streamArgs.cursors, raw);
    }
    return {
      page: result.page.map(toMessageDoc),
      isDone: result.isDone,
      continueCursor: result.continueCursor,
      ...(result.splitCursor !== undefined ? { splitCursor: result.splitCursor } : {}),
      ...(result.pageStatus !== undefined ? { pageStatus: result.pageStatus } : {}),
      ...(streams ? { streams } : {}),
    };
  },
});

/**
 * The whole text and raw item of one message, joined from its parts when long
 * (a message's `textParts`/`itemParts` is set), or, for a long agent message
 * or plan whose text equalled what streamed (`textParts: 0`), from its
 * stream, where that text is kept once (lib/textInStream.ts). A reasoning
 * item's raw content is included only when the host exposes raw reasoning.
 *
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param itemId - The Codex item id.
 * @param turnId - The Codex turn id of the message (its `turnId`); without
 *   it, the newest message of that item id (ids repeat only in a turn rerun
 *   whose model reused one).
 * @param exposeRawReasoning - Set by the host: include raw reasoning content.
 * @returns `{ text, item, reasoningContent?, streamedOutput? }` (text
 *   undefined when the item has none; `streamedOutput` for a command marked
 *   `outputIncomplete`: the output as streamed, whole, absent while more than
 *   `LIVE_COMPACT_THRESHOLD_DELTAS` of its deltas await compaction or when it
 *   passes `MAX_DELTAS_ANSWER_CHARS`), or null
 *   when the thread has no such item.
 * @throws ConvexError THREAD_NOT_FOUND when the thread is unknown or not the user's.
 */
export const getText = query({
  args: {
    userId: v.string(),
    threadId: v.string(),
    itemId: v.string(),
    turnId: v.optional(v.string()),
    exposeRawReasoning: v.optional(v.boolean()),
  },
  returns: v.union(v.null(), vMessageText),
  handler: async (ctx, args) => {
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const { turnId } = args;
    const message =
      turnId === undefined
        ? await ctx.db
            .query("messages")
            .withIndex("by_threadRef_itemId", (q) => q.eq("threadRef", thread._id).eq("itemId", args.itemId))
            .order("desc")
            .first()
        : await ctx.db
            .query("messages")
            .withIndex("by_threadRef_turnId_itemId", (q) =>
              q.eq("threadRef", thread._id).eq("turnId", turnId).eq("itemId", args.itemId),
            )
            .unique();
    if (!message) return null;
    const text = await messageText(ctx, message);
    let item = message.itemParts === undefined ? message.item : await readParts(ctx, message._id, "item");
    // A command's output (a long agent message or plan text) is stored once, as the text: put it back into the raw item.
    if (message.itemOmitsText === true) item = JSON.stringify({ ...(JSON.parse(item) as object), [ITEM_TEXT_FIELD[message.kind] ?? "aggregatedOutput"]: text ?? null });
    if (message.outputIncomplete !== undefined) {
      const streamedOutput = await streamedOutputOf(ctx, message);
      if (streamedOutput !== undefined) return { text, item, streamedOutput };
    }
    if (args.exposeRawReasoning !== true || message.reasoningContentLength === undefined) return { text, item };
    const reasoningContent = JSON.parse(await readParts(ctx, message._id, "reasoningContent")) as string[];
    return { text, item: JSON.stringify({ ...(JSON.parse(item) as object), content: reasoningContent }), reasoningContent };
  },
});
