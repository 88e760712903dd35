/**
 * Applies thread notifications to the `threads` table: started, status, name,
 * archived, deleted, settings, model reroutes, token usage, and reverts.
 */
import { internal } from "../_generated/api.js";
import type { Doc } from "../_generated/dataModel.js";
import type { TokenBreakdown, TokenUsage } from "../../src/shared/validators.js";
import { type JsonObject, numberField, objectField, stringField } from "./decode.js";
import { head } from "./items.js";
import type { ThreadWriter } from "./writer.js";

/** Applies one notification; false when its params are not what the method promises. */
export type Handler = (writer: ThreadWriter, params: JsonObject) => Promise<boolean>;

function breakdown(value: JsonObject | undefined): TokenBreakdown {
  const n = (key: string) => (value && numberField(value, key)) ?? 0;
  return {
    totalTokens: n("totalTokens"),
    inputTokens: n("inputTokens"),
    cachedInputTokens: n("cachedInputTokens"),
    cacheWriteInputTokens: n("cacheWriteInputTokens"),
    outputTokens: n("outputTokens"),
    reasoningOutputTokens: n("reasoningOutputTokens"),
  };
}

/** Codex's `ThreadTokenUsage` as the component keeps it. */
export function tokenUsage(value: JsonObject): TokenUsage {
  const usage: TokenUsage = { total: breakdown(objectField(value, "total")), last: breakdown(objectField(value, "last")) };
  const window = numberField(value, "modelContextWindow");
  if (window !== undefined) usage.modelContextWindow = window;
  return usage;
}

/** Only the defined entries of `fields`, so a patch never clears what an event did not say. */
function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A handler for notifications `{threadId, ...}` that patch the thread with `fields(params)`. */
function patchFrom(fields: (params: JsonObject) => Partial<Doc<"threads">>): Handler {
  return async (writer, params) => {
    const threadId = stringField(params, "threadId");
    if (threadId === undefined) return false;
    await writer.patchThread(threadId, fields(params));
    return true;
  };
}

const threadStarted: Handler = async (writer, params) => {
  const thread = objectField(params, "thread");
  const threadId = thread && stringField(thread, "id");
  if (!thread || threadId === undefined) return false;
  const status = objectField(thread, "status");
  await writer.patchThread(
    threadId,
    defined({
      cwd: stringField(thread, "cwd"),
      model: stringField(thread, "model"),
      preview: head(stringField(thread, "preview") || undefined),
      status: status && stringField(status, "type"),
      name: head(stringField(thread, "name")),
      forkedFromId: stringField(thread, "forkedFromId"),
      parentThreadId: stringField(thread, "parentThreadId"),
    }),
  );
  return true;
};

const statusChanged: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  const status = objectField(params, "status");
  if (threadId === undefined || !status) return false;
  const flags = Array.isArray(status.activeFlags) ? status.activeFlags.filter((f) => typeof f === "string") : [];
  await writer.patchThread(threadId, { status: stringField(status, "type"), activeFlags: flags });
  return true;
};

const tokenUsageUpdated: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  const usage = objectField(params, "tokenUsage");
  if (threadId === undefined || !usage) return false;
  const turnId = stringField(params, "turnId");
  if (turnId !== undefined) await writer.patchTurn(threadId, turnId, { tokenUsage: tokenUsage(usage) });
  await writer.patchThread(threadId, { tokenUsage: tokenUsage(usage) });
  return true;
};

/**
 * `thread/reverted` names only the thread; what it removed is the turn the
 * bridge's `thread/revert` request named (`pendingRevert`) and every later
 * turn, with their items. The rows are flagged `reverted` by a scheduled job
 * in bounded batches.
 */
const threadReverted: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  if (threadId === undefined) return false;
  const thread = await writer.thread(threadId);
  const beforeTurnId = thread.pendingRevert?.beforeTurnId;
  const turn =
    beforeTurnId === undefined
      ? null
      : await writer.ctx.db
          .query("turns")
          .withIndex("by_threadRef_turnId", (q) => q.eq("threadRef", thread._id).eq("turnId", beforeTurnId))
          .unique();
  if (turn === null) {
    await writer.patchThread(threadId, { pendingRevert: undefined, lastRevert: { beforeTurnId, at: writer.now } });
    return true;
  }
  const range = {
    fromTurnOrder: turn.order,
    toTurnOrder: thread.nextTurnOrder,
    fromItemOrder: turn.firstItemOrder ?? thread.nextItemOrder,
    toItemOrder: thread.nextItemOrder,
  };
  await writer.patchThread(threadId, {
    pendingRevert: undefined,
    lastRevert: { beforeTurnId, fromTurnOrder: range.fromTurnOrder, fromItemOrder: range.fromItemOrder, toItemOrder: range.toItemOrder, at: writer.now },
  });
  await writer.ctx.scheduler.runAfter(0, internal.cleanup.markReverted, { threadRef: thread._id, ...range });
  return true;
};

/** Thread notifications by method. */
export const THREAD_HANDLERS: Readonly<Record<string, Handler>> = {
  "thread/started": threadStarted,
  "thread/status/changed": statusChanged,
  "thread/tokenUsage/updated": tokenUsageUpdated,
  "thread/reverted": threadReverted,
  "thread/name/updated": patchFrom((p) => ({ name: head(stringField(p, "threadName")) })),
  "thread/archived": patchFrom(() => ({ archived: true })),
  "thread/unarchived": patchFrom(() => ({ archived: false })),
  "thread/deleted": patchFrom(() => ({ deleted: true })),
  "thread/settings/updated": patchFrom((p) => {
    const settings = objectField(p, "threadSettings") ?? {};
    return defined({ cwd: stringField(settings, "cwd"), model: stringField(settings, "model") });
  }),
  "model/rerouted": patchFrom((p) => defined({ model: stringField(p, "toModel") })),
};
