import { paginator } from "convex-helpers/server/pagination";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query, type QueryCtx } from "./_generated/server.js";
import schema from "./schema.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_DELTAS_PER_STREAM, MAX_PAGE_SIZE, MAX_STREAM_CURSORS } from "../src/shared/limits.js";
import {
  type StreamDelta,
  type StreamsResult,
  vMessagesPage,
  vStreamArgs,
} from "../src/shared/validators.js";
import { readParts } from "./lib/parts.js";
import { toStreamInfo } from "./lib/streams.js";
import { ownedThread } from "./threads.js";

/** Deltas of the requested streams after each cursor, for streams of `threadId`. */
async function deltasAfter(
  ctx: QueryCtx,
  threadId: string,
  cursors: { streamId: string; cursor: number }[],
): Promise<StreamDelta[]> {
  if (cursors.length > MAX_STREAM_CURSORS) {
    throw codexError(
      "INVALID_ARGUMENT",
      `Ask for at most ${MAX_STREAM_CURSORS} streams per call; got ${cursors.length}.`,
    );
  }
  const deltas: StreamDelta[] = [];
  for (const { streamId, cursor } of cursors) {
    const id = ctx.db.normalizeId("streams", streamId);
    const stream = id && (await ctx.db.get("streams", id));
    // Unknown streams and streams of other threads answer with no deltas.
    if (!stream || stream.threadId !== threadId) continue;
    const rows = await ctx.db
      .query("deltas")
      .withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id).gte("start", cursor))
      .take(MAX_DELTAS_PER_STREAM);
    for (const row of rows) deltas.push({ streamId, start: row.start, end: row.end, text: row.text });
  }
  return deltas;
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
 * @param streamArgs - `{kind: "list"}` for the thread's streams, or
 *   `{kind: "deltas", cursors: [{streamId, cursor}]}` (≤ 64) for the deltas
 *   at or after each cursor (≤ 256 per stream per call).
 * @returns `{ page, isDone, continueCursor, streams? }`.
 * @throws ConvexError THREAD_NOT_FOUND when the thread is unknown or not the
 *   user's; INVALID_ARGUMENT when `numItems` or the cursor count is out of range.
 */
export const list = query({
  args: {
    userId: v.string(),
    threadId: v.string(),
    paginationOpts: paginationOptsValidator,
    order: v.optional(v.union(v.literal("asc"), v.literal("desc"))),
    streamArgs: v.optional(vStreamArgs),
  },
  returns: vMessagesPage,
  handler: async (ctx, args) => {
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const { numItems } = args.paginationOpts;
    if (!Number.isInteger(numItems) || numItems < 0 || numItems > MAX_PAGE_SIZE) {
      throw codexError("INVALID_ARGUMENT", `numItems must be an integer from 0 to ${MAX_PAGE_SIZE}; got ${numItems}.`);
    }
    const result =
      numItems === 0
        ? { page: [] as Doc<"messages">[], isDone: false, continueCursor: args.paginationOpts.cursor ?? "" }
        : await paginator(ctx.db, schema)
            .query("messages")
            .withIndex("by_threadId_order", (q) => q.eq("threadId", thread.threadId))
            .order(args.order ?? "desc")
            .paginate(args.paginationOpts);
    let streams: StreamsResult | undefined;
    if (args.streamArgs?.kind === "list") {
      const rows = await ctx.db
        .query("streams")
        .withIndex("by_threadId_state", (q) => q.eq("threadId", thread.threadId).eq("state", "streaming"))
        .collect();
      streams = { kind: "list", streams: rows.map(toStreamInfo) };
    } else if (args.streamArgs?.kind === "deltas") {
      streams = { kind: "deltas", deltas: await deltasAfter(ctx, thread.threadId, args.streamArgs.cursors) };
    }
    return {
      page: result.page,
      isDone: result.isDone,
      continueCursor: result.continueCursor,
      ...("splitCursor" in result ? { splitCursor: result.splitCursor, pageStatus: result.pageStatus } : {}),
      ...(streams ? { streams } : {}),
    };
  },
});

/**
 * The whole text and raw item of one message, joined from its parts when long
 * (a message's `textParts`/`itemParts` is set).
 *
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param itemId - The Codex item id.
 * @returns `{ text, item }` (text undefined when the item has none), or null
 *   when the thread has no such item.
 * @throws ConvexError THREAD_NOT_FOUND when the thread is unknown or not the user's.
 */
export const getText = query({
  args: { userId: v.string(), threadId: v.string(), itemId: v.string() },
  returns: v.union(v.null(), v.object({ text: v.optional(v.string()), item: v.string() })),
  handler: async (ctx, args) => {
    await ownedThread(ctx, args.userId, args.threadId);
    const message = await ctx.db
      .query("messages")
      .withIndex("by_threadId_itemId", (q) => q.eq("threadId", args.threadId).eq("itemId", args.itemId))
      .unique();
    if (!message) return null;
    const text = message.textParts === undefined ? message.text : await readParts(ctx, message._id, "text");
    const item = message.itemParts === undefined ? message.item : await readParts(ctx, message._id, "item");
    return { text, item };
  },
});
