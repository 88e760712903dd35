import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query } from "./_generated/server.js";
import { type LoggedEvent, vLoggedEvent, vPageFields } from "../src/shared/validators.js";
import { pageInPrefix } from "./lib/pagination.js";
import { ownedThread } from "./threads.js";

/** An event document as `LoggedEvent`. */
function toLoggedEvent(doc: Doc<"events">): LoggedEvent {
  const { sessionRef, threadRef, ...event } = doc;
  void sessionRef; void threadRef;
  return event;
}

/**
 * A page of a thread's event log: the events ingest kept without applying
 * them (unknown notifications, responses, bridge records, malformed lines),
 * newest first. The log keeps the newest `MAX_LOGGED_EVENTS_PER_THREAD`.
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param paginationOpts - `{ numItems (1..200), cursor, endCursor? }`.
 * @returns `{ page, isDone, continueCursor }` (a long `line` is "" with `lineParts` set).
 * @throws ConvexError THREAD_NOT_FOUND; INVALID_ARGUMENT when `numItems` is out
 *   of range or a cursor is not one this query returned.
 */
export const list = query({
  args: { userId: v.string(), threadId: v.string(), paginationOpts: paginationOptsValidator },
  returns: v.object({ page: v.array(vLoggedEvent), ...vPageFields }),
  handler: async (ctx, args) => {
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const result = await pageInPrefix(
      ctx,
      { table: "events", index: "by_threadRef", prefix: [["threadRef", thread._id]], order: "desc" },
      args.paginationOpts,
    );
    return { ...result, page: result.page.map(toLoggedEvent) };
  },
});
