/**
 * Scheduled cleanup, in bounded batches that reschedule themselves while work
 * remains:
 * - `compactStream` folds a stream's delta chunks into its durable base text
 *   (kept in parts, appended as new parts: what is stored is never rewritten)
 *   and deletes them; a finished stream whose text is its message's text (same
 *   size as reported: command output, agent message, plan) keeps no base of its
 *   own (`baseInMessage`: the text is stored once), and a finished stream
 *   whose text is its message's (`holdsMessageText`, lib/textInStream.ts)
 *   keeps its base and its last chunks as that text's one copy (folded only
 *   past `LIVE_COMPACT_THRESHOLD_DELTAS`); readers behind the compacted cursor are then
 *   answered `rebased`. Run `DELTA_GRACE_MS` after a stream finishes, or at
 *   once when a live stream holds too many deltas.
 * - `expireStream` deletes a finished stream `STREAM_RETENTION_MS` later, with
 *   its base text and every device's checkpoint of it (readers then get `stale`),
 *   unless it is `durable` (a command output that differs from what codex
 *   reported: kept for good, see lib/commandOutput.ts) or holds its message's
 *   text.
 * - `markReverted` flags the turns and messages a `thread/revert` removed.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api.js";
import { internalMutation } from "./_generated/server.js";
import {
  CLEANUP_BATCH_DOCS,
  COMPACT_BATCH_CHARS,
  COMPACT_BATCH_DELTAS,
  FOLD_INLINE_MAX_DELTAS,
  LIVE_COMPACT_THRESHOLD_DELTAS,
  STREAM_RETENTION_MS,
} from "../src/shared/limits.js";
import type { Doc } from "./_generated/dataModel.js";
import { COMMAND_OUTPUT, outputMark, recheckOutput } from "./lib/commandOutput.js";
import { deltaText, foldMessageText } from "./lib/fold.js";
import { appendParts, deleteParts } from "./lib/parts.js";
import { streamHead } from "./lib/streamHead.js";
import { messageText } from "./lib/textInStream.js";
import { utf8Bytes } from "./lib/utf8.js";

/**
 * Folds up to `COMPACT_BATCH_DELTAS` deltas (about `COMPACT_BATCH_CHARS` of
 * text) of a stream into its base text and deletes them; reschedules itself
 * while deltas remain. Once a finished stream is fully compacted, folds an
 * unfinished item's text into its message and schedules the stream's expiry.
 * @param streamId - The stream document's id.
 * @returns null.
 */
export const compactStream = internalMutation({
  args: { streamId: v.id("streams") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const stream = await ctx.db.get("streams", args.streamId);
    if (stream === null) return null;
    // Where the stream ends (its newest chunk, read before any is deleted): the whole streamed size.
    const head = await streamHead(ctx, stream);
    // A finished stream holding its message's text keeps its last chunks as they are: they ARE that text's
    // one copy (lib/textInStream.ts), and there are few (live compaction folded all but the last
    // LIVE_COMPACT_THRESHOLD_DELTAS events); folding them would write every byte once more.
    const keepChunks =
      stream.holdsMessageText === true && stream.state === "finished" && head.nextCursor - (stream.compactedCursor ?? 0) <= LIVE_COMPACT_THRESHOLD_DELTAS;
    const deltas = keepChunks
      ? []
      : await ctx.db
          .query("deltas")
          .withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id).gte("start", stream.compactedCursor ?? 0))
          .take(COMPACT_BATCH_DELTAS);
    const pieces: string[] = [];
    let chars = 0;
    let cursor = stream.compactedCursor ?? 0;
    let textBytes = stream.textBytes ?? 0;
    for (const delta of deltas) {
      if (chars >= COMPACT_BATCH_CHARS) break;
      const text = await deltaText(ctx, delta);
      if (delta.textParts !== undefined) await deleteParts(ctx, delta._id, "text");
      await ctx.db.delete("deltas", delta._id);
      pieces.push(text);
      chars += text.length;
      cursor = delta.end;
      textBytes = delta.bytes ?? textBytes + utf8Bytes(text);
    }
    const folded = pieces.length;
    const message = () =>
      ctx.db
        .query("messages")
        .withIndex("by_threadRef_turnId_itemId", (q) =>
          q.eq("threadRef", stream.threadRef).eq("turnId", stream.turnId).eq("itemId", stream.itemId),
        )
        .unique();
    // A finished text whose size equals what codex reported is the message text already: its deltas are dropped
    // without a second copy. A stream holding its message's text (lib/textInStream.ts) keeps it all in its base.
    // The message's text is the streamed text while the stream ends where it did: the same size as
    // reported (command output), or the same cursor as compared in full (agent message, plan).
    const agrees =
      stream.reportedBytes !== undefined
        ? outputMark(stream, head.textBytes ?? textBytes) === undefined
        : stream.messageCursor !== undefined && stream.messageCursor === head.nextCursor;
    let baseParts = stream.baseParts ?? 0;
    let baseInMessage =
      stream.baseInMessage === true ||
      (stream.state === "finished" && baseParts === 0 && stream.holdsMessageText !== true && (stream.reportedBytes !== undefined || stream.messageCursor !== undefined) && agrees);
    if (baseInMessage && !agrees) {
      // Late deltas made them differ: the base becomes a copy of its own, starting with the message text.
      const owner = await message();
      const text = owner === null ? "" : ((await messageText(ctx, owner)) ?? "");
      baseParts = await appendParts(ctx, stream._id, "base", 0, text);
      baseInMessage = false;
    }
    if (!baseInMessage) baseParts = await appendParts(ctx, stream._id, "base", baseParts, pieces.join(""));
    const more = folded < deltas.length || deltas.length === COMPACT_BATCH_DELTAS;
    const patch: Partial<Doc<"streams">> = {
      compactedCursor: cursor,
      // Kept ≥ the compacted cursor: with every chunk folded, the stream's own fields say where it ends (lib/streamHead.ts).
      nextCursor: Math.max(stream.nextCursor, cursor),
      textBytes,
      baseLength: (stream.baseLength ?? 0) + chars,
      baseParts,
      baseInMessage: baseInMessage ? true : undefined,
      compactScheduled: more,
      expireScheduled: stream.expireScheduled,
    };
    if (more) {
      await ctx.scheduler.runAfter(0, internal.cleanup.compactStream, args);
    } else if (stream.state === "finished") {
      const owner = await message();
      if (owner) await foldMessageText(ctx, owner, FOLD_INLINE_MAX_DELTAS);
      if (stream.kind === COMMAND_OUTPUT.kind) Object.assign(patch, await recheckOutput(ctx, { ...stream, ...patch }, owner, head.textBytes ?? textBytes));
      const kept = patch.durable === true || stream.durable === true || stream.holdsMessageText === true;
      if (stream.expireScheduled !== true && !kept) {
        const expireAt = (stream.finishedAt ?? Date.now()) + STREAM_RETENTION_MS;
        await ctx.scheduler.runAfter(Math.max(0, expireAt - Date.now()), internal.cleanup.expireStream, args);
        patch.expireScheduled = true;
      }
    }
    await ctx.db.patch("streams", stream._id, patch);
    return null;
  },
});

/**
 * Deletes up to `CLEANUP_BATCH_DOCS` of a stream's checkpoints, base text
 * parts and leftover deltas; once none remain, the stream itself. Reschedules
 * itself while work remains. A stream that streams again is left alone.
 * @param streamId - The stream document's id.
 * @returns null.
 */
export const expireStream = internalMutation({
  args: { streamId: v.id("streams") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const stream = await ctx.db.get("streams", args.streamId);
    if (stream === null) return null;
    if (stream.state === "streaming" || stream.durable === true || stream.holdsMessageText === true) {
      // Streaming again, or kept for good (its text differs from the message's, see lib/commandOutput.ts,
      // or is the message's one copy, see lib/textInStream.ts).
      await ctx.db.patch("streams", stream._id, { expireScheduled: false });
      return null;
    }
    let budget = CLEANUP_BATCH_DOCS;
    const checkpoints = await ctx.db
      .query("checkpoints")
      .withIndex("by_streamId", (q) => q.eq("streamId", stream._id))
      .take(budget);
    for (const checkpoint of checkpoints) await ctx.db.delete("checkpoints", checkpoint._id);
    budget -= checkpoints.length;
    const deltas = await ctx.db
      .query("deltas")
      .withIndex("by_streamId_start", (q) => q.eq("streamId", stream._id))
      .take(Math.max(0, budget));
    for (const delta of deltas) {
      if (delta.textParts !== undefined) await deleteParts(ctx, delta._id, "text");
      await ctx.db.delete("deltas", delta._id);
    }
    budget -= deltas.length;
    const partsLeft = budget <= 0 || (await deleteParts(ctx, stream._id, "base", budget));
    if (checkpoints.length > 0 || deltas.length > 0 || partsLeft) {
      await ctx.scheduler.runAfter(0, internal.cleanup.expireStream, args);
      return null;
    }
    await ctx.db.delete("streams", stream._id);
    return null;
  },
});

/**
 * Flags as `reverted` up to `CLEANUP_BATCH_DOCS` turns (orders in
 * [fromTurnOrder, toTurnOrder)) and then messages (orders in [fromItemOrder,
 * toItemOrder)) of a thread; reschedules itself with the rest.
 * @param threadRef - The thread document's id.
 * @returns null.
 */
export const markReverted = internalMutation({
  args: {
    threadRef: v.id("threads"),
    fromTurnOrder: v.number(),
    toTurnOrder: v.number(),
    fromItemOrder: v.number(),
    toItemOrder: v.number(),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    if (args.fromTurnOrder < args.toTurnOrder) {
      const turns = await ctx.db
        .query("turns")
        .withIndex("by_threadRef_order", (q) =>
          q.eq("threadRef", args.threadRef).gte("order", args.fromTurnOrder).lt("order", args.toTurnOrder),
        )
        .take(CLEANUP_BATCH_DOCS);
      for (const turn of turns) await ctx.db.patch("turns", turn._id, { reverted: true });
      const last = turns.at(-1);
      const fromTurnOrder = turns.length < CLEANUP_BATCH_DOCS || !last ? args.toTurnOrder : last.order + 1;
      await ctx.scheduler.runAfter(0, internal.cleanup.markReverted, { ...args, fromTurnOrder });
      return null;
    }
    if (args.fromItemOrder >= args.toItemOrder) return null;
    const messages = await ctx.db
      .query("messages")
      .withIndex("by_threadRef_order", (q) =>
        q.eq("threadRef", args.threadRef).gte("order", args.fromItemOrder).lt("order", args.toItemOrder),
      )
      .take(CLEANUP_BATCH_DOCS);
    for (const message of messages) await ctx.db.patch("messages", message._id, { reverted: true });
    const last = messages.at(-1);
    if (messages.length === CLEANUP_BATCH_DOCS && last) {
      await ctx.scheduler.runAfter(0, internal.cleanup.markReverted, { ...args, fromItemOrder: last.order + 1 });
    }
    return null;
  },
});
