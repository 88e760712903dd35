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

/**
 * The id of `userId`'s paired device whose bridge session `sessionId` runs a
 * thread, or undefined: a session opened with a user token has no device,
 * and a device that is gone or not the user's is never named. Sessions are
 * looked up under `userId` only, so another user's session is never read.
 */
async function sessionDeviceId(ctx: QueryCtx, userId: string, sessionId: string): Promise<string | undefined> {
  const session = await ctx.db
    .query("sessions")
    .withIndex("by_userId_sessionId", (q) => q.eq("userId", userId).eq("sessionId", sessionId))
    .unique();
  const device = session?.deviceId === undefined ? null : await ctx.db.get("devices", session.deviceId);
  return device !== null && device.userId === userId ? device._id : undefined;
}

/**
 * Thread documents as the `Thread` queries return them, each with its
 * device (see {@link sessionDeviceId}; one lookup per distinct session).
 */
async function toThreads(ctx: QueryCtx, docs: Doc<"threads">[]): Promise<Thread[]> {
  const devices = new Map<string, Promise<string | undefined>>();
  return await Promise.all(
    docs.map(async (doc) => {
      const key = `${doc.userId}\u0000${doc.sessionId}`;
      if (!devices.has(key)) devices.set(key, sessionDeviceId(ctx, doc.userId, doc.sessionId));
      const deviceId = await devices.get(key)!;
      return deviceId === undefined ? toThread(doc) : { ...toThread(doc), deviceId };
    }),
  );
}

/** A thread document as the `Thread` queries return, without its device. */
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
    lastTurn: doc.lastTurn,
    updatedAt: doc.updatedAt,
  };
}

/**
 * One thread of the user, with its newest turn's status (`lastTurn`) and the
 * user's paired device running it (`deviceId`, when its session has one).
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @returns the thread, or null when the user has none of that id (another
 *   user's thread of that id is never looked at).
 */
export const get = query({
  args: { userId: v.string(), threadId: v.string() },
  returns: v.union(v.null(), vThread),
  handler: async (ctx, args) => {
    const thread = await userThread(ctx, args.userId, args.threadId);
    return thread && (await toThreads(ctx, [thread]))[0]!;
  },
});

/**
 * The user's threads, most recently updated first, each with its newest
 * turn's status (`lastTurn`) and device (`deviceId`), as `get`.
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
    return { ...result, page: await toThreads(ctx, result.page) };
  },
});
