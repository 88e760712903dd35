/**
 * Writes one session's events into the thread tables. Lives for one
 * `ingestSafe` call and caches the thread, turn and stream documents it
 * touched, so a batch of deltas reads each of them once. Every read is an
 * index lookup.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import { internal } from "../_generated/api.js";
import { DEFAULT_STREAM_IDLE_TIMEOUT_MS, DEFAULT_TURN_IDLE_TIMEOUT_MS, MAX_MESSAGE_INLINE_CHARS } from "../../src/shared/limits.js";
import type { MessageStatus, TurnStatus } from "../../src/shared/validators.js";
import type { ItemFields } from "./items.js";
import { deleteParts, putText, splitText } from "./parts.js";
import { StreamWriter } from "./streamWriter.js";
import { lastEventStampMs } from "./turnWatch.js";

/** What ingest stores about an item (from item/started, item/completed or a delta). */
export type MessageFields = {
  kind: string;
  status: MessageStatus;
  text?: string | undefined;
  /** Raw item JSON (reasoning content left out). */
  item?: string;
  /** The raw item without its text field (commandExecution `aggregatedOutput`), stored instead when `text` is stored. */
  itemWithoutText?: string | undefined;
  fields?: ItemFields;
  reasoningContent?: string[] | undefined;
  startedAt?: number;
  completedAt?: number;
  /**
   * `text` equals this stream's whole text (lib/textInStream.ts): the message
   * keeps only its head and refers to the stream, so the text is stored once.
   */
  textStream?: Id<"streams">;
};

/**
 * Applies one ingest batch's events to a user's threads, turns and messages,
 * caching the documents it reads; `flush` writes what is due once per batch.
 */
export class ThreadWriter {
  private readonly threads = new Map<string, Doc<"threads">>();
  private readonly turns = new Map<string, Doc<"turns">>();
  /** Turns an event of this batch named: their `lastEventAt` is set once, at {@link flush}. */
  private readonly touched = new Set<string>();
  /** Items known to have a message row, so deltas check once per batch. */
  private readonly knownItems = new Set<string>();
  readonly streams: StreamWriter;
  /** Events without a thread kept in the log for the session; ingest saves it on the session. */
  sessionLoggedEvents: number | undefined;
  readonly turnIdleMs: number;
  readonly streamIdleMs: number;

  constructor(
    readonly ctx: MutationCtx,
    readonly session: Doc<"sessions">,
    readonly now: number,
  ) {
    this.turnIdleMs = session.timeouts?.turnIdleMs ?? DEFAULT_TURN_IDLE_TIMEOUT_MS;
    this.streamIdleMs = session.timeouts?.streamIdleMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS;
    this.streams = new StreamWriter(ctx, now);
    this.sessionLoggedEvents = session.loggedEvents;
  }

  /**
   * The session's user's thread `threadId`, created when first named. Threads
   * are keyed by (user, codex thread id), so another user's thread of the
   * same id is never read, touched or in the way.
   */
  async thread(threadId: string): Promise<Doc<"threads">> {
    const cached = this.threads.get(threadId);
    if (cached) return cached;
    const userId = this.session.userId;
    let thread = await this.ctx.db
      .query("threads")
      .withIndex("by_userId_threadId", (q) => q.eq("userId", userId).eq("threadId", threadId))
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

  /**
   * The turn `turnId` of `threadId`, created when first named (with `status`,
   * in progress by default, and a watchdog that closes it when idle), and
   * marked as having an event now.
   */
  async turn(threadId: string, turnId: string, status: TurnStatus = "inProgress"): Promise<Doc<"turns">> {
    const key = `${threadId}\u0000${turnId}`;
    this.touched.add(key);
    const cached = this.turns.get(key);
    if (cached) return cached;
    const thread = await this.thread(threadId);
    let turn = await this.ctx.db
      .query("turns")
      .withIndex("by_threadRef_turnId", (q) => q.eq("threadRef", thread._id).eq("turnId", turnId))
      .unique();
    if (turn === null) {
      const id = await this.ctx.db.insert("turns", {
        threadId,
        threadRef: thread._id,
        turnId,
        order: thread.nextTurnOrder,
        status,
        lastEventAt: this.now,
      });
      await this.patchThread(threadId, { nextTurnOrder: thread.nextTurnOrder + 1 });
      if (status === "inProgress") {
        await this.ctx.scheduler.runAfter(Math.min(this.turnIdleMs, this.streamIdleMs), internal.timeouts.checkTurn, {
          turnId: id,
          turnIdleMs: this.turnIdleMs,
          streamIdleMs: this.streamIdleMs,
        });
      }
      turn = (await this.ctx.db.get("turns", id))!;
    }
    this.turns.set(key, turn);
    return turn;
  }

  /** Patches a turn (created when absent) and keeps the cached copy current. */
  async patchTurn(threadId: string, turnId: string, fields: Partial<Doc<"turns">>): Promise<Doc<"turns">> {
    const turn = await this.turn(threadId, turnId, fields.status);
    const next = { ...turn, ...fields };
    await this.ctx.db.patch("turns", turn._id, fields);
    this.turns.set(`${threadId}\u0000${turnId}`, next);
    return next;
  }

  /** The message of an item of a turn, or null. */
  async message(threadId: string, turnId: string, itemId: string): Promise<Doc<"messages"> | null> {
    const thread = await this.thread(threadId);
    return await this.ctx.db
      .query("messages")
      .withIndex("by_threadRef_turnId_itemId", (q) => q.eq("threadRef", thread._id).eq("turnId", turnId).eq("itemId", itemId))
      .unique();
  }

  /**
   * Creates the message for an item of a turn if new (taking the thread's
   * next order), then stores what is known of it. Fields left undefined keep
   * their value; text is never replaced by a shorter one (a late or repeated
   * item/started with "" keeps the text), and a settled message never goes
   * back to in progress.
   */
  async upsertMessage(threadId: string, turnId: string, itemId: string, fields: MessageFields): Promise<Doc<"messages">> {
    let message = await this.message(threadId, turnId, itemId);
    if (message === null) {
      const thread = await this.thread(threadId);
      const id = await this.ctx.db.insert("messages", {
        threadId,
        threadRef: thread._id,
        turnId,
        itemId,
        order: thread.nextItemOrder,
        kind: fields.kind,
        status: fields.status,
        item: "",
      });
      await this.patchThread(threadId, { nextItemOrder: thread.nextItemOrder + 1 });
      const turn = await this.turn(threadId, turnId);
      if (turn.firstItemOrder === undefined) await this.patchTurn(threadId, turnId, { firstItemOrder: thread.nextItemOrder });
      message = (await this.ctx.db.get("messages", id))!;
    }
    const settled = message.status !== "inProgress" && fields.status === "inProgress";
    const patch: Partial<Doc<"messages">> = { kind: fields.kind, status: settled ? message.status : fields.status, ...fields.fields };
    if (fields.startedAt !== undefined) patch.startedAt = fields.startedAt;
    if (fields.completedAt !== undefined) patch.completedAt = fields.completedAt;
    const textStored = fields.text !== undefined && fields.text.length >= (message.textLength ?? 0);
    if (fields.text !== undefined && textStored) {
      if (fields.textStream !== undefined) {
        // Kept once, in the stream (lib/textInStream.ts): the message keeps its head.
        if ((message.textParts ?? 0) > 0) await deleteParts(this.ctx, message._id, "text");
        patch.text = splitText(fields.text, MAX_MESSAGE_INLINE_CHARS)[0] ?? "";
        patch.textParts = 0;
        patch.textStream = fields.textStream;
      } else {
        const stored = await putText(this.ctx, message._id, "text", fields.text, message.textParts, MAX_MESSAGE_INLINE_CHARS);
        patch.text = stored.inline;
        patch.textParts = stored.parts;
        patch.textStream = undefined;
      }
      patch.textLength = fields.text.length;
    }
    if (fields.item !== undefined) {
      // A big command output is stored once: as the text, not again inside the raw item.
      const omit = textStored && fields.itemWithoutText !== undefined;
      const item = omit ? fields.itemWithoutText! : fields.item;
      const stored = await putText(this.ctx, message._id, "item", item, message.itemParts, MAX_MESSAGE_INLINE_CHARS);
      patch.item = stored.parts === undefined ? stored.inline : "";
      patch.itemParts = stored.parts;
      patch.itemOmitsText = omit ? true : undefined;
    }
    if (fields.reasoningContent !== undefined && fields.reasoningContent.some((c) => c !== "")) {
      const json = JSON.stringify(fields.reasoningContent);
      const previous = message.reasoningContentLength === undefined ? undefined : 1;
      await putText(this.ctx, message._id, "reasoningContent", json, previous, 0);
      patch.reasoningContentLength = fields.reasoningContent.reduce((n, c) => n + c.length, 0);
    }
    await this.ctx.db.patch("messages", message._id, patch);
    this.knownItems.add(JSON.stringify([threadId, turnId, itemId]));
    return { ...message, ...patch };
  }

  /**
   * Creates a placeholder message for an item whose delta or notification
   * arrived before its item/started (kind inferred), so it keeps its place in order.
   */
  async upsertMessageIfMissing(threadId: string, turnId: string, itemId: string, kind: string): Promise<void> {
    const key = JSON.stringify([threadId, turnId, itemId]);
    if (this.knownItems.has(key)) return;
    if ((await this.message(threadId, turnId, itemId)) === null) {
      await this.upsertMessage(threadId, turnId, itemId, { kind, status: "inProgress" });
    }
    this.knownItems.add(key);
  }

  /** Forgets cached turns and streams (after a turn end rewrote them directly). */
  forgetTurnsAndStreams(): void {
    this.turns.clear();
    this.streams.forget();
  }

  /**
   * Stores the batch's pending deltas (one chunk per stream) and stamps
   * `lastEventAt` on every turn an event of this batch named, unless its
   * stamp is younger than `lastEventStampMs(turnIdleMs)` (a tenth of the turn
   * timeout, at most a minute; lib/turnWatch.ts): the turn watchdog allows for
   * that lag, and a stream of batches, however paced, does not rewrite its
   * turn on every batch or second.
   */
  async flush(): Promise<void> {
    await this.streams.flushPending();
    const granularity = lastEventStampMs(this.turnIdleMs);
    for (const key of this.touched) {
      const turn = this.turns.get(key) ?? (await this.reloadTurn(key));
      if (turn && this.now - (turn.lastEventAt ?? 0) > granularity) await this.ctx.db.patch("turns", turn._id, { lastEventAt: this.now });
    }
  }

  private async reloadTurn(key: string): Promise<Doc<"turns"> | null> {
    const [threadId = "", turnId = ""] = key.split("\u0000");
    const thread = await this.thread(threadId);
    return await this.ctx.db
      .query("turns")
      .withIndex("by_threadRef_turnId", (q) => q.eq("threadRef", thread._id).eq("turnId", turnId))
      .unique();
  }
}
