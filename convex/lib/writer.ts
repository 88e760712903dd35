/**
 * Writes one session's events into the thread tables. Lives for one
 * `ingestSafe` call and caches the thread and stream documents it touched, so a
 * batch of deltas reads each of them once. Every read is an index lookup.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { codexError } from "../../src/shared/errors.js";
import type { MessageStatus, StreamKind, TurnStatus } from "../../src/shared/validators.js";
import { putText } from "./parts.js";

type StreamKey = `${string}\u0000${string}\u0000${StreamKind}\u0000${number}`;

export class ThreadWriter {
  private readonly threads = new Map<string, Doc<"threads">>();
  private readonly streams = new Map<StreamKey, Doc<"streams">>();
  /** Items known to have a message row, so deltas check once per batch. */
  private readonly knownItems = new Set<string>();

  constructor(
    private readonly ctx: MutationCtx,
    private readonly session: Doc<"sessions">,
    private readonly now: number,
  ) {}

  /**
   * The thread `threadId`, created for the session's user when first named.
   * @throws ConvexError SESSION_MISMATCH when the thread belongs to another user.
   */
  async thread(threadId: string): Promise<Doc<"threads">> {
    const cached = this.threads.get(threadId);
    if (cached) return cached;
    let thread = await this.ctx.db
      .query("threads")
      .withIndex("by_threadId", (q) => q.eq("threadId", threadId))
      .unique();
    if (thread === null) {
      const id = await this.ctx.db.insert("threads", {
        threadId,
        userId: this.session.userId,
        sessionId: this.session.sessionId,
        nextItemOrder: 0,
        nextTurnOrder: 0,
        updatedAt: this.now,
      });
      thread = (await this.ctx.db.get("threads", id))!;
    } else if (thread.userId !== this.session.userId) {
      throw codexError(
        "SESSION_MISMATCH",
        `Thread ${threadId} belongs to another user; a bridge session may only write its own user's threads.`,
      );
    }
    this.threads.set(threadId, thread);
    return thread;
  }

  /** Patches the thread's fields and keeps the cached copy current. */
  async patchThread(threadId: string, fields: Partial<Doc<"threads">>): Promise<Doc<"threads">> {
    const thread = await this.thread(threadId);
    const next = { ...thread, ...fields, updatedAt: this.now };
    await this.ctx.db.patch("threads", thread._id, { ...fields, updatedAt: this.now });
    this.threads.set(threadId, next);
    return next;
  }

  /** Creates the turn if new, then sets its status and times. */
  async upsertTurn(
    threadId: string,
    turnId: string,
    fields: { status: TurnStatus; error?: string; startedAt?: number; completedAt?: number },
  ): Promise<void> {
    const existing = await this.ctx.db
      .query("turns")
      .withIndex("by_threadId_turnId", (q) => q.eq("threadId", threadId).eq("turnId", turnId))
      .unique();
    if (existing) {
      await this.ctx.db.patch("turns", existing._id, fields);
      return;
    }
    const thread = await this.thread(threadId);
    await this.ctx.db.insert("turns", { threadId, turnId, order: thread.nextTurnOrder, ...fields });
    await this.patchThread(threadId, { nextTurnOrder: thread.nextTurnOrder + 1 });
  }

  /**
   * Creates the message for an item if new (taking the thread's next order),
   * then stores what is known of it. `item` is the raw ThreadItem JSON; when
   * absent (a delta arrived first) the stored raw item stays as it was.
   */
  async upsertMessage(
    threadId: string,
    turnId: string,
    itemId: string,
    fields: {
      kind: string;
      status: MessageStatus;
      text?: string | undefined;
      item?: string;
      startedAt?: number;
      completedAt?: number;
    },
  ): Promise<Doc<"messages">> {
    let message = await this.ctx.db
      .query("messages")
      .withIndex("by_threadId_itemId", (q) => q.eq("threadId", threadId).eq("itemId", itemId))
      .unique();
    if (message === null) {
      const thread = await this.thread(threadId);
      const id = await this.ctx.db.insert("messages", {
        threadId,
        turnId,
        itemId,
        order: thread.nextItemOrder,
        kind: fields.kind,
        status: fields.status,
        item: "",
      });
      await this.patchThread(threadId, { nextItemOrder: thread.nextItemOrder + 1 });
      message = (await this.ctx.db.get("messages", id))!;
    }
    const patch: Partial<Doc<"messages">> = { kind: fields.kind, status: fields.status };
    if (fields.startedAt !== undefined) patch.startedAt = fields.startedAt;
    if (fields.completedAt !== undefined) patch.completedAt = fields.completedAt;
    if (fields.text !== undefined) {
      const stored = await putText(this.ctx, message._id, "text", fields.text, message.textParts);
      patch.text = stored.inline;
      patch.textParts = stored.parts;
      patch.textLength = fields.text.length;
    }
    if (fields.item !== undefined) {
      const stored = await putText(this.ctx, message._id, "item", fields.item, message.itemParts);
      patch.item = stored.parts === undefined ? stored.inline : "";
      patch.itemParts = stored.parts;
    }
    await this.ctx.db.patch("messages", message._id, patch);
    return { ...message, ...patch };
  }

  /**
   * Creates a placeholder message for an item whose delta arrived before its
   * item/started (kind inferred from the delta), so it keeps its place in order.
   */
  async upsertMessageIfMissing(threadId: string, turnId: string, itemId: string, kind: string): Promise<void> {
    const key = `${threadId}\u0000${itemId}`;
    if (this.knownItems.has(key)) return;
    const existing = await this.ctx.db
      .query("messages")
      .withIndex("by_threadId_itemId", (q) => q.eq("threadId", threadId).eq("itemId", itemId))
      .unique();
    if (existing === null) await this.upsertMessage(threadId, turnId, itemId, { kind, status: "inProgress" });
    this.knownItems.add(key);
  }

  /** The stream of (`itemId`, `kind`, `part`), created when absent. */
  async stream(
    threadId: string,
    turnId: string,
    itemId: string,
    kind: StreamKind,
    part: number,
  ): Promise<Doc<"streams">> {
    const key: StreamKey = `${threadId}\u0000${itemId}\u0000${kind}\u0000${part}`;
    const cached = this.streams.get(key);
    if (cached) return cached;
    let stream = await this.ctx.db
      .query("streams")
      .withIndex("by_threadId_itemId_kind_part", (q) =>
        q.eq("threadId", threadId).eq("itemId", itemId).eq("kind", kind).eq("part", part),
      )
      .unique();
    if (stream === null) {
      const id = await this.ctx.db.insert("streams", {
        threadId,
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
    this.streams.set(key, stream);
    return stream;
  }

  /**
   * Appends `text` to a stream as a delta covering `count` Codex delta events
   * (more than one when the bridge coalesced them).
   */
  async appendDelta(stream: Doc<"streams">, text: string, count: number): Promise<void> {
    const start = stream.nextCursor;
    await this.ctx.db.insert("deltas", { streamId: stream._id, start, end: start + count, text });
    const next = { ...stream, nextCursor: start + count, state: "streaming" as const, updatedAt: this.now };
    await this.ctx.db.patch("streams", stream._id, { nextCursor: next.nextCursor, state: next.state, updatedAt: this.now });
    this.streams.set(`${stream.threadId}\u0000${stream.itemId}\u0000${stream.kind}\u0000${stream.part}`, next);
  }

  /** Marks every stream of an item finished (its text is now durable in the message). */
  async finishStreams(threadId: string, itemId: string): Promise<void> {
    const streams = await this.ctx.db
      .query("streams")
      .withIndex("by_threadId_itemId_kind_part", (q) => q.eq("threadId", threadId).eq("itemId", itemId))
      .collect();
    for (const stream of streams) {
      if (stream.state === "finished") continue;
      await this.ctx.db.patch("streams", stream._id, { state: "finished", updatedAt: this.now });
      this.streams.set(`${threadId}\u0000${itemId}\u0000${stream.kind}\u0000${stream.part}`, {
        ...stream,
        state: "finished",
      });
    }
  }

  /** Marks every still-streaming stream of a thread finished (its turn ended). */
  async finishThreadStreams(threadId: string): Promise<void> {
    const streams = await this.ctx.db
      .query("streams")
      .withIndex("by_threadId_state", (q) => q.eq("threadId", threadId).eq("state", "streaming"))
      .collect();
    for (const stream of streams) await this.finishStreams(threadId, stream.itemId);
  }
}
