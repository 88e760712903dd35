import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_PAGE_SIZE } from "../src/shared/limits.js";
import { type Turn, vTurn } from "../src/shared/validators.js";
import { readParts } from "./lib/parts.js";
import { ownedThread } from "./threads.js";

/** A turn document as the `Turn` queries return (without bookkeeping fields). */
function toTurn(doc: Doc<"turns">): Turn {
  const { firstItemOrder, threadRef, ...turn } = doc;
  void firstItemOrder; void threadRef;
  return turn;
}

/**
 * The newest turns of a thread, oldest first, with their status, error, token
 * usage, plan and the head of their diff.
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
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const turns = await ctx.db
      .query("turns")
      .withIndex("by_threadRef_order", (q) => q.eq("threadRef", thread._id))
      .order("desc")
      .take(limit);
    return turns.reverse().map(toTurn);
  },
});

/**
 * The whole unified diff of a turn (`turn/diff/updated`), joined from its parts.
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param turnId - The Codex turn id.
 * @returns the diff, or null when the turn is unknown or has no diff.
 * @throws ConvexError THREAD_NOT_FOUND when the thread is unknown or not the user's.
 */
export const getDiff = query({
  args: { userId: v.string(), threadId: v.string(), turnId: v.string() },
  returns: v.union(v.null(), v.string()),
  handler: async (ctx, args) => {
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const turn = await ctx.db
      .query("turns")
      .withIndex("by_threadRef_turnId", (q) => q.eq("threadRef", thread._id).eq("turnId", args.turnId))
      .unique();
    if (turn?.diff === undefined) return null;
    return turn.diffParts === undefined ? turn.diff : await readParts(ctx, turn._id, "diff");
  },
});
