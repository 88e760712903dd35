import { paginator } from "convex-helpers/server/pagination";
import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query } from "./_generated/server.js";
import schema from "./schema.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_PAGE_SIZE } from "../src/shared/limits.js";
import { type LoggedEvent, vLoggedEvent } from "../src/shared/validators.js";
import { ownedThread } from "./threads.js";

/** An event document as `LoggedEvent`. */
function toLoggedEvent(doc: Doc<"events">): LoggedEvent {
  return { ...doc };
}

/**
 * A page of a thread's event log: the events ingest kept without applying
 * them (unknown notifications, responses, bridge records, malformed lines),
 * newest first. The log keeps the newest `MAX_LOGGED_EVENTS_PER_THREAD`.
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param paginationOpts - `{ numItems (1..200), cursor, endCursor? }`.
 * @returns `{ page, isDone, continueCursor }` (a long `line` is "" with `lineParts` set).
 * @throws ConvexError THREAD_NOT_FOUND; INVALID_ARGUMENT when `numItems` is out of range.
 */
export const list = query({
  args: { userId: v.string(), threadId: v.string(), paginationOpts: paginationOptsValidator },
  returns: v.object({ page: v.array(vLoggedEvent), isDone: v.boolean(), continueCursor: v.string() }),
  handler: async (ctx, args) => {
    const { numItems } = args.paginationOpts;
    if (!Number.isInteger(numItems) || numItems < 1 || numItems > MAX_PAGE_SIZE) {
      throw codexError("INVALID_ARGUMENT", `numItems must be an integer from 1 to ${MAX_PAGE_SIZE}; got ${numItems}.`);
    }
    await ownedThread(ctx, args.userId, args.threadId);
    const result = await paginator(ctx.db, schema)
      .query("events")
      .withIndex("by_threadId", (q) => q.eq("threadId", args.threadId))
      .order("desc")
      .paginate(args.paginationOpts);
    return { page: result.page.map(toLoggedEvent), isDone: result.isDone, continueCursor: result.continueCursor };
  },
});
