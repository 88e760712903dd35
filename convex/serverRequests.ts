import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { query } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_SERVER_REQUESTS_LISTED } from "../src/shared/limits.js";
import { type ServerRequest, vServerRequest, vServerRequestStatus } from "../src/shared/validators.js";
import { ownedThread } from "./threads.js";

/** A server request document as queries return it. */
function toServerRequest(doc: Doc<"serverRequests">): ServerRequest {
  const { sessionId, userId, paramsParts, sessionRef, threadRef, ...request } = doc;
  void sessionId; void userId; void paramsParts; void sessionRef; void threadRef;
  return request;
}

/**
 * The server requests (approvals, user input, tool calls) of a thread, newest
 * first: the pending ones by default.
 * @param userId - Owner, as the host app derived it from auth.
 * @param threadId - The Codex thread id.
 * @param status - Which ones: `pending` (default), `answered`, `resolved` or `cancelled`.
 * @param limit - How many (1..100, default 100).
 * @returns requests, newest first (a long `params` is "" here).
 * @throws ConvexError THREAD_NOT_FOUND; INVALID_ARGUMENT when `limit` is out of range.
 */
export const list = query({
  args: {
    userId: v.string(),
    threadId: v.string(),
    status: v.optional(vServerRequestStatus),
    limit: v.optional(v.number()),
  },
  returns: v.array(vServerRequest),
  handler: async (ctx, args) => {
    const limit = args.limit ?? MAX_SERVER_REQUESTS_LISTED;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SERVER_REQUESTS_LISTED) {
      throw codexError("INVALID_ARGUMENT", `limit must be an integer from 1 to ${MAX_SERVER_REQUESTS_LISTED}; got ${limit}.`);
    }
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const rows = await ctx.db
      .query("serverRequests")
      .withIndex("by_threadRef_status", (q) => q.eq("threadRef", thread._id).eq("status", args.status ?? "pending"))
      .order("desc")
      .take(limit);
    return rows.map(toServerRequest);
  },
});
