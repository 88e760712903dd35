import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query, type QueryCtx } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { type Thread, vPageFields, vThread } from "../src/shared/validators.js";
import { pageInPrefix } from "./lib/pagination.js";

/** The thread `threadId` of `userId`, or null. Threads are keyed per user: another user's thread of the same id is never seen. */
export async function userThread(ctx: QueryCtx, userId: string, threadId: string): Promise<Doc<"threads"> | null> {
  return await ctx.db
    .query("threads")
    .withIndex("by_userId_threadId", (q) => q.eq("userId", userId).eq("threadId", threadId))
    .unique();
}

/**
 * The thread `threadId` of `userId`.
 * @throws ConvexError THREAD_NOT_FOUND when the user has no such thread
 *   (whether another user has one is never looked at, so nothing leaks).
 */
export async function ownedThread(ctx: QueryCtx, userId: string, threadId: string): Promise<Doc<"threads">> {
  const thread = await userThread(ctx, userId, threadId);
  if (thread === null) {
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
 * @returns the thread, or null when the user has none of that id.
 */
export const get = query({
  args: { userId: v.string(), threadId: v.string() },
  returns: v.union(v.null(), vThread),
  handler: async (ctx, args) => {
    const thread = await userThread(ctx, args.userId, args.threadId);
    return thread && toThread(thread);
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
