/**
 * The bounded event log: events ingest does not apply to the tables are kept
 * here, per thread (at most `MAX_LOGGED_EVENTS_PER_THREAD`) or, without a
 * thread, per session (at most `MAX_LOGGED_EVENTS_PER_SESSION`). Each insert
 * past the cap trims the oldest, up to `EVENT_TRIM_BATCH` at a time.
 */
import type { Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import {
  EVENT_TRIM_BATCH,
  MAX_LOGGED_EVENTS_PER_SESSION,
  MAX_LOGGED_EVENTS_PER_THREAD,
  MAX_MESSAGE_INLINE_CHARS,
} from "../../src/shared/limits.js";
import type { CodexEvent } from "../../src/shared/validators.js";
import { deleteParts, putText } from "./parts.js";
import type { ThreadWriter } from "./writer.js";

/**
 * Deletes the oldest `count` (at most `EVENT_TRIM_BATCH`) events of a thread,
 * or of a session's events without a thread, with their parts.
 * @returns how many were deleted.
 */
async function trimOldest(
  ctx: MutationCtx,
  scope: { threadRef: Id<"threads"> } | { sessionRef: Id<"sessions"> },
  count: number,
): Promise<number> {
  const take = Math.min(count, EVENT_TRIM_BATCH);
  const oldest =
    "threadRef" in scope
      ? await ctx.db.query("events").withIndex("by_threadRef", (q) => q.eq("threadRef", scope.threadRef)).take(take)
      : await ctx.db
          .query("events")
          .withIndex("by_sessionRef_threadRef", (q) => q.eq("sessionRef", scope.sessionRef).eq("threadRef", undefined))
          .take(take);
  for (const event of oldest) {
    if (event.lineParts !== undefined) await deleteParts(ctx, event._id, "line");
    await ctx.db.delete("events", event._id);
  }
  return oldest.length;
}

/**
 * Stores `event` in the log under `threadId` (touching the thread checks its
 * owner and creates it when first named) or, without one, under the session.
 * Session counts are kept on the writer and saved by ingest at the end.
 */
export async function logEvent(
  writer: ThreadWriter,
  event: CodexEvent,
  method: string,
  threadId: string | undefined,
  reason?: string,
): Promise<void> {
  const { ctx, session } = writer;
  const thread = threadId === undefined ? undefined : await writer.thread(threadId);
  const id = await ctx.db.insert("events", {
    sessionId: session.sessionId,
    sessionRef: session._id,
    seq: event.seq,
    threadId,
    threadRef: thread?._id,
    origin: event.origin,
    method,
    ...(reason === undefined ? {} : { reason }),
    line: "",
    receivedAt: event.receivedAt,
  });
  const stored = await putText(ctx, id, "line", event.line, undefined, MAX_MESSAGE_INLINE_CHARS);
  await ctx.db.patch("events", id, { line: stored.parts === undefined ? stored.inline : "", lineParts: stored.parts });
  if (threadId !== undefined && thread !== undefined) {
    let count = (thread.loggedEvents ?? 0) + 1;
    if (count > MAX_LOGGED_EVENTS_PER_THREAD) {
      count -= await trimOldest(ctx, { threadRef: thread._id }, count - MAX_LOGGED_EVENTS_PER_THREAD);
    }
    await writer.patchThread(threadId, { loggedEvents: count });
  } else {
    let count = (writer.sessionLoggedEvents ?? 0) + 1;
    if (count > MAX_LOGGED_EVENTS_PER_SESSION) {
      count -= await trimOldest(ctx, { sessionRef: session._id }, count - MAX_LOGGED_EVENTS_PER_SESSION);
    }
    writer.sessionLoggedEvents = count;
  }
}
