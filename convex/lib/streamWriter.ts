/**
 * Writes streams and their deltas for ingest, and finishes streams (which
 * schedules their compaction after `DELTA_GRACE_MS`). Caches the stream
 * documents of one batch; every read is an index lookup.
 *
 * Storage design (cost at scale, issue 11): the deltas of one ingest batch
 * are stored as ONE `deltas` row per stream (a chunk: the batch's text of that
 * stream, concatenated, covering the cursor range [start, end) in Codex delta
 * events; a command output's chunk also has `bytes`, the stream's cumulative
 * UTF-8 size through it, compared with what codex reports), and the
 * stream document is NOT written for it: where the stream ends (`nextCursor`),
 * when it last changed and its size are derived from its newest chunk
 * (lib/streamHead.ts). A batch of 32 deltas of 8 bytes thus writes one
 * document of ~400 bytes for 256 bytes of text. The stream document is
 * patched only when something rare happens: it finishes, or passes
 * `LIVE_COMPACT_THRESHOLD_DELTAS` delta events not compacted yet (compaction
 * is then scheduled), or receives a
 * late delta once finished. Documents written per message therefore follow its
 * batches and its text size (a chunk holds at most `MAX_INLINE_CHARS`, inline
 * up to `MAX_CHUNK_INLINE_CHARS` and in parts beyond, so the newest chunk is
 * cheap to read), not
 * its number of deltas. Cursors keep their unit (delta events), and every
 * chunk boundary is a cursor a reader can stand on; a cursor inside a chunk is
 * answered from the next boundary on, as for a coalesced run. Live readers see
 * a batch's text as soon as it commits.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { internal } from "../_generated/api.js";
import { DELTA_GRACE_MS, LIVE_COMPACT_THRESHOLD_DELTAS, MAX_CHUNK_INLINE_CHARS, MAX_INLINE_CHARS } from "../../src/shared/limits.js";
import type { StreamKind } from "../../src/shared/validators.js";
import { COMMAND_OUTPUT } from "./commandOutput.js";
import { splitText } from "./parts.js";
import { headOf, newestChunk } from "./streamHead.js";
import { utf8Bytes, wellFormed } from "./utf8.js";

type StreamKey = string;

/** Deltas of one stream received in this batch and not stored yet. */
type PendingChunk = {
  streamKey: StreamKey;
  pieces: string[];
  /** UTF-16 code units in `pieces`. */
  chars: number;
  /** Codex delta events in `pieces` (the cursor range they cover). */
  count: number;
  /** UTF-8 bytes in `pieces`. */
  bytes: number;
  /** Chunks stored for the stream in this batch. */
  rows: number;
};

/** Where a stream ends as this batch left it: cursor and, for a command output, cumulative UTF-8 bytes (lib/streamHead.ts). */
type Head = { nextCursor: number; bytes: number | undefined };

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

/** Stores one ingest batch's deltas as one chunk per stream and finishes streams (see the file's header). */
export class StreamWriter {
  private readonly cache = new Map<StreamKey, Doc<"streams">>();
  private readonly pending = new Map<StreamKey, PendingChunk>();
  private readonly heads = new Map<StreamKey, Head>();

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
      });
      stream = (await this.ctx.db.get("streams", id))!;
    }
    this.cache.set(key, stream);
    return stream;
  }

  /**
   * Appends `text` to a stream as `count` Codex delta events (more than one
   * when the bridge coalesced them). Nothing is written yet: the deltas of
   * one ingest batch are kept per stream and stored by {@link flushPending}
   * as ONE chunk (`deltas` row with the concatenated text and its cursor
   * range) and no write of the stream document, so a batch of 32 events of
   * 8 bytes costs one row, not 32 rows and 32 stream patches. Cursors keep
   * their unit (Codex delta events, a row covers [start, end)), so the hooks
   * read chunks as they read coalesced deltas.
   */
  async appendDelta(stream: Doc<"streams">, delta: string, count: number): Promise<void> {
    const text = wellFormed(delta);
    const key = keyOf(stream.threadRef, stream.turnId, stream.itemId, stream.kind, stream.part);
    let pending = this.pending.get(key);
    if (pending === undefined) {
      pending = { streamKey: key, pieces: [], chars: 0, count: 0, rows: 0, bytes: 0 };
      this.pending.set(key, pending);
    }
    if (pending.chars > 0 && pending.chars + text.length > MAX_INLINE_CHARS) await this.writeChunk(pending);
    pending.pieces.push(text);
    pending.chars += text.length;
    pending.count += count;
    pending.bytes += utf8Bytes(text);
    if (pending.chars >= MAX_INLINE_CHARS) await this.writeChunk(pending);
  }

  /**
   * Stores every stream's pending deltas (one chunk each, see
   * {@link appendDelta}) and schedules compaction where due. Ingest calls it
   * at the end of a batch and before any event that is not a delta (a turn
   * end or an item/completed reads the streams), so readers see a delta as
   * soon as its batch commits and every other event sees the deltas before it.
   */
  async flushPending(): Promise<void> {
    for (const pending of this.pending.values()) {
      await this.writeChunk(pending);
      await this.scheduleCompaction(pending);
    }
    this.pending.clear();
  }

  /** Where the stream of `key` ends: its newest chunk, read once per batch (lib/streamHead.ts). */
  private async head(key: StreamKey, stream: Doc<"streams">): Promise<Head> {
    let head = this.heads.get(key);
    if (head === undefined) {
      const { nextCursor, textBytes } = headOf(stream, await newestChunk(this.ctx, stream._id));
      head = { nextCursor, bytes: textBytes };
      this.heads.set(key, head);
    }
    return head;
  }

  /** Inserts the pending text of one stream as one `deltas` row (long text in parts), after the stream's newest chunk. */
  private async writeChunk(pending: PendingChunk): Promise<void> {
    if (pending.count === 0) return;
    const stream = this.cache.get(pending.streamKey)!;
    const head = await this.head(pending.streamKey, stream);
    const start = head.nextCursor;
    const end = start + pending.count;
    // Only a command output's size is compared with a reported one (lib/commandOutput.ts): other chunks save the field.
    const bytes = stream.kind === COMMAND_OUTPUT.kind ? (head.bytes ?? 0) + pending.bytes : undefined;
    const text = pending.pieces.join("");
    if (text.length <= MAX_CHUNK_INLINE_CHARS) {
      await this.ctx.db.insert("deltas", { streamId: stream._id, start, end, text, bytes });
    } else {
      // A long batch: its text goes to parts (each ≤ MAX_INLINE_CHARS), so the chunk document stays small
      // (readers read a stream's newest chunk to learn where it ends, lib/streamHead.ts).
      const pieces = splitText(text);
      const id = await this.ctx.db.insert("deltas", { streamId: stream._id, start, end, text: "", textParts: pieces.length, textLength: text.length, bytes });
      for (const [index, piece] of pieces.entries()) await this.ctx.db.insert("parts", { ownerId: id, field: "text", index, text: piece });
    }
    this.heads.set(pending.streamKey, { nextCursor: end, bytes });
    pending.rows += 1;
    pending.pieces = [];
    pending.chars = 0;
    pending.count = 0;
    pending.bytes = 0;
  }

  /**
   * After a batch stored chunks of a stream: schedules its compaction when due
   * (a late delta of a finished stream, or more than
   * `LIVE_COMPACT_THRESHOLD_DELTAS` delta events not compacted in a live
   * one), the only case the stream document is written.
   */
  private async scheduleCompaction(pending: PendingChunk): Promise<void> {
    if (pending.rows === 0) return;
    pending.rows = 0;
    const stream = this.cache.get(pending.streamKey)!;
    if (stream.compactScheduled === true) return;
    const head = await this.head(pending.streamKey, stream);
    if (stream.state === "finished") {
      // A finished stream is never reopened: a late delta is kept after the
      // others and folded in by a compaction scheduled after DELTA_GRACE_MS.
      await this.ctx.scheduler.runAfter(DELTA_GRACE_MS, internal.cleanup.compactStream, { streamId: stream._id });
    } else if (head.nextCursor - (stream.compactedCursor ?? 0) >= LIVE_COMPACT_THRESHOLD_DELTAS) {
      // Late readers are rebased rather than replayed, and the stored chunks of a live stream stay few.
      await this.ctx.scheduler.runAfter(0, internal.cleanup.compactStream, { streamId: stream._id });
    } else return;
    await this.ctx.db.patch("streams", stream._id, { compactScheduled: true });
    this.cache.set(pending.streamKey, { ...stream, compactScheduled: true });
  }

  /** Finishes every stream of an item of a turn (its text is now durable in the message). */
  async finishItem(thread: Doc<"threads">, turnId: string, itemId: string): Promise<void> {
    await this.flushPending();
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
    await this.flushPending();
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
    if (this.pending.size > 0) throw new Error("StreamWriter.patch: flushPending() first (find() does).");
    await this.ctx.db.patch("streams", stream._id, fields);
    this.cache.set(keyOf(stream.threadRef, stream.turnId, stream.itemId, stream.kind, stream.part), { ...stream, ...fields });
  }

  /** Forgets cached streams (after they were rewritten directly); pending deltas must have been flushed. */
  forget(): void {
    if (this.pending.size > 0) throw new Error("StreamWriter.forget: flushPending() first.");
    this.cache.clear();
    this.heads.clear();
  }
}
