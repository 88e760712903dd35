import { v } from "convex/values";
import { query } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_PAGE_SIZE } from "../src/shared/limits.js";
import { vTurn } from "../src/shared/validators.js";
import { ownedThread } from "./threads.js";

/**
 * The newest turns of a thread, oldest first.
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param limit - How many of the newest turns (1..200, default 50).
 * @returns turns in ascending order.
 * @throws ConvexError THREAD_NOT_FOUND; INVALID_ARGUMENT when `limit` is out of range.
 */
export const list = query({
  args: { userId: v.string(), threadId: v.string(), limit: v.optional(v.number()) },
  returns: v.array(vTurn),
  handler: async (ctx, args) => {
    const limit = args.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw codexError("INVALID_ARGUMENT", `limit must be an integer from 1 to ${MAX_PAGE_SIZE}; got ${limit}.`);
    }
    await ownedThread(ctx, args.userId, args.threadId);
    const turns = await ctx.db
      .query("turns")
      .withIndex("by_threadId_order", (q) => q.eq("threadId", args.threadId))
      .order("desc")
      .take(limit);
    return turns.reverse();
  },
});
