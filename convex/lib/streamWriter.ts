/**
 * Writes streams and their deltas for ingest, and finishes streams (which
 * schedules their compaction after `DELTA_GRACE_MS`). Caches the stream
 * documents of one batch; every read is an index lookup.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { internal } from "../_generated/api.js";
import { DELTA_GRACE_MS, LIVE_COMPACT_THRESHOLD_DELTAS, MAX_INLINE_CHARS } from "../../src/shared/limits.js";
import type { StreamKind } from "../../src/shared/validators.js";
import { putText } from "./parts.js";
import { utf8Bytes } from "./utf8.js";

type StreamKey = string;

function keyOf(threadRef: Id<"threads">, turnId: string, itemId: string, kind: StreamKind, part: number): StreamKey {
  return JSON.stringify([threadRef, turnId, itemId, kind, part]);
}

/**
 * Marks a stream finished and schedules its compaction after
 * `DELTA_GRACE_MS` (unless one is already scheduled).
 * @returns the stream as patched.
 */
export async function finishStream(ctx: MutationCtx, stream: Doc<"streams">, now: number): Promise<Doc<"streams">> {
  if (stream.state === "finished") return stream;
  const patch: Partial<Doc<"streams">> = { state: "finished", finishedAt: now, updatedAt: now };
  if (stream.compactScheduled !== true) {
    await ctx.scheduler.runAfter(DELTA_GRACE_MS, internal.cleanup.compactStream, { streamId: stream._id });
    patch.compactScheduled = true;
  }
  await ctx.db.patch("streams", stream._id, patch);
  return { ...stream, ...patch };
}

export class StreamWriter {
  private readonly cache = new Map<StreamKey, Doc<"streams">>();

  constructor(
    private readonly ctx: MutationCtx,
    private readonly now: number,
  ) {}

  /**
   * The stream of (`turnId`, `itemId`, `kind`, `part`) in `thread`, created
   * when absent. Keyed by turn too: a rerun turn that reuses an item id gets
   * a stream of its own.
   */
  async stream(thread: Doc<"threads">, turnId: string, itemId: string, kind: StreamKind, part: number): Promise<Doc<"streams">> {
    const key = keyOf(thread._id, turnId, itemId, kind, part);
    const cached = this.cache.get(key);
    if (cached) return cached;
    let stream = await this.ctx.db
      .query("streams")
      .withIndex("by_threadRef_turnId_itemId_kind_part", (q) =>
        q.eq("threadRef", thread._id).eq("turnId", turnId).eq("itemId", itemId).eq("kind", kind).eq("part", part),
      )
      .unique();
    if (stream === null) {
      const id = await this.ctx.db.insert("streams", {
        threadId: thread.threadId,
        threadRef: thread._id,
        turnId,
        itemId,
        kind,
        part,
        state: "streaming",
        nextCursor: 0,
        updatedAt: this.now,
        deltaCount: 0,
      });
      stream = (await this.ctx.db.get("streams", id))!;
    }
    this.cache.set(key, stream);
    return stream;
  }

  /**
   * Appends `text` to a stream as a delta covering `count` Codex delta events
   * (more than one when the bridge coalesced them). A long text is kept in
   * parts. A stream past `LIVE_COMPACT_THRESHOLD_DELTAS` stored deltas gets a
   * compaction scheduled, so late readers are rebased rather than replayed.
   * A finished stream is never reopened: a late delta is kept after the
   * others and folded in by a compaction scheduled after `DELTA_GRACE_MS`.
   */
  async appendDelta(stream: Doc<"streams">, text: string, count: number): Promise<void> {
    const start = stream.nextCursor;
    if (text.length <= MAX_INLINE_CHARS) {
      await this.ctx.db.insert("deltas", { streamId: stream._id, start, end: start + count, text });
    } else {
      const id = await this.ctx.db.insert("deltas", { streamId: stream._id, start, end: start + count, text: "" });
      const stored = await putText(this.ctx, id, "text", text, undefined, 0);
      await this.ctx.db.patch("deltas", id, { textParts: stored.parts });
    }
    const patch: Partial<Doc<"streams">> = {
      nextCursor: start + count,
      updatedAt: this.now,
      deltaCount: (stream.deltaCount ?? 0) + 1,
      textBytes: (stream.textBytes ?? 0) + utf8Bytes(text),
    };
    if (stream.state === "finished") {
      if (stream.compactScheduled !== true) {
        await this.ctx.scheduler.runAfter(DELTA_GRACE_MS, internal.cleanup.compactStream, { streamId: stream._id });
        patch.compactScheduled = true;
      }
    } else if ((patch.deltaCount ?? 0) >= LIVE_COMPACT_THRESHOLD_DELTAS && stream.compactScheduled !== true) {
      await this.ctx.scheduler.runAfter(0, internal.cleanup.compactStream, { streamId: stream._id });
      patch.compactScheduled = true;
    }
    await this.ctx.db.patch("streams", stream._id, patch);
    this.cache.set(keyOf(stream.threadRef, stream.turnId, stream.itemId, stream.kind, stream.part), { ...stream, ...patch });
  }

  /** Finishes every stream of an item of a turn (its text is now durable in the message). */
  async finishItem(thread: Doc<"threads">, turnId: string, itemId: string): Promise<void> {
    const streams = await this.ctx.db
      .query("streams")
      .withIndex("by_threadRef_turnId_itemId_kind_part", (q) =>
        q.eq("threadRef", thread._id).eq("turnId", turnId).eq("itemId", itemId),
      )
      .collect();
    for (const stream of streams) {
      const key = keyOf(thread._id, turnId, itemId, stream.kind, stream.part);
      const finished = await finishStream(this.ctx, this.cache.get(key) ?? stream, this.now);
      this.cache.set(key, finished);
    }
  }

  /** The stream of (`turnId`, `itemId`, `kind`, `part`) in `thread` as this batch left it, or null; never creates one. */
  async find(thread: Doc<"threads">, turnId: string, itemId: string, kind: StreamKind, part: number): Promise<Doc<"streams"> | null> {
    const cached = this.cache.get(keyOf(thread._id, turnId, itemId, kind, part));
    if (cached) return cached;
    return await this.ctx.db
      .query("streams")
      .withIndex("by_threadRef_turnId_itemId_kind_part", (q) =>
        q.eq("threadRef", thread._id).eq("turnId", turnId).eq("itemId", itemId).eq("kind", kind).eq("part", part),
      )
      .unique();
  }

  /** Patches a stream and keeps the cached copy current. */
  async patch(stream: Doc<"streams">, fields: Partial<Doc<"streams">>): Promise<void> {
    await this.ctx.db.patch("streams", stream._id, fields);
    this.cache.set(keyOf(stream.threadRef, stream.turnId, stream.itemId, stream.kind, stream.part), { ...stream, ...fields });
  }

  /** Forgets cached streams (after they were rewritten directly). */
  forget(): void {
    this.cache.clear();
  }
}
