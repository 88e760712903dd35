import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query, type QueryCtx } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { type Thread, vPageFields, vThread } from "../src/shared/validators.js";
import { pageInPrefix } from "./lib/pagination.js";

/**
 * The thread `threadId` when it belongs to `userId`.
 * @throws ConvexError THREAD_NOT_FOUND when it is unknown or another user's
 *   (the two are not told apart, so ids of others' threads leak nothing).
 */
export async function ownedThread(ctx: QueryCtx, userId: string, threadId: string): Promise<Doc<"threads">> {
  const thread = await ctx.db
    .query("threads")
    .withIndex("by_threadId", (q) => q.eq("threadId", threadId))
    .unique();
  if (thread === null || thread.userId !== userId) {
    throw codexError("THREAD_NOT_FOUND", `No thread ${threadId} for this user.`);
  }
  return thread;
}

/** A thread document as the `Thread` queries return. */
export function toThread(doc: Doc<"threads">): Thread {
  return {
    _id: doc._id,
    _creationTime: doc._creationTime,
    threadId: doc.threadId,
    userId: doc.userId,
    sessionId: doc.sessionId,
    cwd: doc.cwd,
    model: doc.model,
    preview: doc.preview,
    status: doc.status,
    activeFlags: doc.activeFlags,
    name: doc.name,
    archived: doc.archived,
    deleted: doc.deleted,
    forkedFromId: doc.forkedFromId,
    parentThreadId: doc.parentThreadId,
    tokenUsage: doc.tokenUsage,
    lastRevert: doc.lastRevert,
    updatedAt: doc.updatedAt,
  };
}

/**
 * One thread of the user.
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @returns the thread, or null when it is unknown or another user's.
 */
export const get = query({
  args: { userId: v.string(), threadId: v.string() },
  returns: v.union(v.null(), vThread),
  handler: async (ctx, args) => {
    const thread = await ctx.db
      .query("threads")
      .withIndex("by_threadId", (q) => q.eq("threadId", args.threadId))
      .unique();
    return thread && thread.userId === args.userId ? toThread(thread) : null;
  },
});

/**
 * The user's threads, most recently updated first.
 * @param userId - Owner, as the host app derived it from auth.
 * @param paginationOpts - `{ numItems (1..200), cursor, endCursor? }`.
 * @returns `{ page, isDone, continueCursor }`.
 * @throws ConvexError INVALID_ARGUMENT when `numItems` is out of range or a
 *   cursor is not one this query returned.
 */
export const list = query({
  args: { userId: v.string(), paginationOpts: paginationOptsValidator },
  returns: v.object({ page: v.array(vThread), ...vPageFields }),
  handler: async (ctx, args) => {
    const result = await pageInPrefix(
      ctx,
      { table: "threads", index: "by_userId_updatedAt", prefix: [["userId", args.userId]], order: "desc" },
      args.paginationOpts,
    );
    return { ...result, page: result.page.map(toThread) };
  },
});
