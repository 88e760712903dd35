/**
 * Per-device stream checkpoints: a device (browser tab, phone) saves its own
 * cursor per stream and resumes from it. Rows are keyed by user, device and
 * stream, so two devices never move each other's cursors; they are deleted
 * with their stream (cleanup.expireStream).
 */
import { v } from "convex/values";
import { mutation, query } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import { MAX_CHECKPOINTS_LISTED, MAX_DEVICE_ID_CHARS, MAX_STREAM_CURSORS } from "../src/shared/limits.js";
import { vCheckpoint, vStreamCursor } from "../src/shared/validators.js";
import { streamHead } from "./lib/streamHead.js";
import { ownedThread } from "./threads.js";

/** @throws ConvexError INVALID_ARGUMENT when the device id is empty or too long. */
function checkDeviceId(deviceId: string): void {
  if (deviceId.length === 0 || deviceId.length > MAX_DEVICE_ID_CHARS) {
    throw codexError("INVALID_ARGUMENT", `deviceId must be 1 to ${MAX_DEVICE_ID_CHARS} characters; got ${deviceId.length}.`);
  }
}

/**
 * Saves a device's cursors in streams of one thread (typically the
 * `nextCheckpoints` of a deltas answer). Streams unknown, expired or of
 * another thread are skipped.
 *
 * @param userId - Owner, as the host app derived it from auth.
 * @param deviceId - The client's own id for this device (1..128 chars), e.g. a random id kept in local storage.
 * @param threadId - The Codex thread id.
 * @param cursors - Up to 64 `{ streamId, cursor }`; a cursor is an integer from 0 to the stream's `nextCursor`.
 * @returns `{ saved }`: how many cursors were stored.
 * @throws ConvexError THREAD_NOT_FOUND when the thread is unknown or not the
 *   user's; INVALID_ARGUMENT for a bad device id, too many cursors or a cursor out of range.
 */
export const save = mutation({
  args: { userId: v.string(), deviceId: v.string(), threadId: v.string(), cursors: v.array(vStreamCursor) },
  returns: v.object({ saved: v.number() }),
  handler: async (ctx, args) => {
    checkDeviceId(args.deviceId);
    if (args.cursors.length > MAX_STREAM_CURSORS) {
      throw codexError("INVALID_ARGUMENT", `Save at most ${MAX_STREAM_CURSORS} cursors per call; got ${args.cursors.length}.`);
    }
    const thread = await ownedThread(ctx, args.userId, args.threadId);
    const now = Date.now();
    let saved = 0;
    for (const { streamId, cursor } of args.cursors) {
      const id = ctx.db.normalizeId("streams", streamId);
      const stream = id && (await ctx.db.get("streams", id));
      if (!stream || stream.threadRef !== thread._id) continue;
      const { nextCursor } = await streamHead(ctx, stream);
      if (!Number.isInteger(cursor) || cursor < 0 || cursor > nextCursor) {
        throw codexError("INVALID_ARGUMENT", `Cursor ${cursor} of stream ${streamId} must be an integer from 0 to ${nextCursor}.`);
      }
      const existing = await ctx.db
        .query("checkpoints")
        .withIndex("by_userId_deviceId_threadId_streamId", (q) =>
          q.eq("userId", args.userId).eq("deviceId", args.deviceId).eq("threadId", args.threadId).eq("streamId", stream._id),
        )
        .unique();
      if (existing) await ctx.db.patch("checkpoints", existing._id, { cursor, updatedAt: now });
      else {
        await ctx.db.insert("checkpoints", {
          userId: args.userId,
          deviceId: args.deviceId,
          threadId: args.threadId,
          streamId: stream._id,
          cursor,
          updatedAt: now,
        });
      }
      saved += 1;
    }
    return { saved };
  },
});

/**
 * A device's saved cursors in the streams of one thread, to resume from.
 *
 * @param userId - Owner, as the host app derived it from auth.
 * @param deviceId - The device's id, as saved.
 * @param threadId - The Codex thread id.
 * @returns up to 256 `{ streamId, cursor, updatedAt }`.
 * @throws ConvexError THREAD_NOT_FOUND; INVALID_ARGUMENT for a bad device id.
 */
export const list = query({
  args: { userId: v.string(), deviceId: v.string(), threadId: v.string() },
  returns: v.array(vCheckpoint),
  handler: async (ctx, args) => {
    checkDeviceId(args.deviceId);
    await ownedThread(ctx, args.userId, args.threadId);
    const rows = await ctx.db
      .query("checkpoints")
      .withIndex("by_userId_deviceId_threadId_streamId", (q) =>
        q.eq("userId", args.userId).eq("deviceId", args.deviceId).eq("threadId", args.threadId),
      )
      .take(MAX_CHECKPOINTS_LISTED);
    return rows.map((r) => ({ streamId: r.streamId, cursor: r.cursor, updatedAt: r.updatedAt }));
  },
});
