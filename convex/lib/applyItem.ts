/**
 * Applies item notifications to `messages` and `streams`: item/started and
 * item/completed (one message per item), text deltas (streams), and the
 * notifications that update an item in flight.
 */
import type { Id } from "../_generated/dataModel.js";
import { MAX_MESSAGE_INLINE_CHARS } from "../../src/shared/limits.js";
import { TEXT_STREAM_KIND } from "../../src/shared/streamKinds.js";
import type { CodexEvent, StreamKind } from "../../src/shared/validators.js";
import type { Handler } from "./applyThread.js";
import { type JsonObject, numberField, objectField, stringField } from "./decode.js";
import { COMMAND_OUTPUT, reportOutput } from "./commandOutput.js";
import { deltaTarget } from "./deltaTarget.js";
import { head, itemFields, summarizeItem } from "./items.js";
import { streamHead } from "./streamHead.js";
import { streamTextEquals } from "./textInStream.js";
import type { ThreadWriter } from "./writer.js";

/** An item handler also sees the event (for times and coalesced seq runs). */
export type ItemHandler = (writer: ThreadWriter, params: JsonObject, event: CodexEvent) => Promise<boolean>;

/** The ids every item notification carries. */
function ids(params: JsonObject): { threadId: string; turnId: string; itemId: string } | undefined {
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  const itemId = stringField(params, "itemId");
  return threadId === undefined || turnId === undefined || itemId === undefined ? undefined : { threadId, turnId, itemId };
}

const itemLifecycle =
  (completed: boolean): ItemHandler =>
  async (writer, params, event) => {
    const threadId = stringField(params, "threadId");
    const turnId = stringField(params, "turnId");
    const item = objectField(params, "item");
    const summary = item && summarizeItem(item, completed);
    if (threadId === undefined || turnId === undefined || !item || !summary) return false;
    const textStream =
      completed && (summary.kind === "agentMessage" || summary.kind === "plan") && summary.text !== undefined
        ? await sameTextStream(writer, threadId, turnId, summary.itemId, TEXT_STREAM_KIND[summary.kind]!, summary.text)
        : undefined;
    await writer.upsertMessage(threadId, turnId, summary.itemId, {
      kind: summary.kind,
      status: summary.status,
      text: summary.text,
      item: summary.raw,
      itemWithoutText: summary.rawWithoutText,
      fields: summary.fields,
      reasoningContent: summary.reasoningContent,
      ...(textStream ? { textStream } : {}),
      ...(completed
        ? { completedAt: numberField(params, "completedAtMs") ?? event.receivedAt }
        : { startedAt: numberField(params, "startedAtMs") ?? event.receivedAt }),
    });
    if (completed && summary.kind === "commandExecution" && summary.text !== undefined) {
      await compareOutput(writer, threadId, turnId, summary.itemId, summary.text);
    }
    if (completed && textStream === undefined && (summary.kind === "agentMessage" || summary.kind === "plan") && summary.text !== undefined) {
      await markTextInMessage(writer, threadId, turnId, summary.itemId, TEXT_STREAM_KIND[summary.kind]!, summary.text);
    }
    if (completed) await writer.streams.finishItem(await writer.thread(threadId), turnId, summary.itemId);
    // codex starts a thread with an empty preview; its first user message is what a list shows.
    if (summary.kind === "userMessage" && summary.text) {
      const thread = await writer.thread(threadId);
      if (thread.preview === undefined) await writer.patchThread(threadId, { preview: head(summary.text) });
    }
    return true;
  };

/** Records what codex reported of a command's output against what it streamed; marks the message when they differ. */
async function compareOutput(writer: ThreadWriter, threadId: string, turnId: string, itemId: string, reported: string): Promise<void> {
  const thread = await writer.thread(threadId);
  const stream = await writer.streams.find(thread, turnId, itemId, COMMAND_OUTPUT.kind, COMMAND_OUTPUT.part);
  if (stream === null) return; // nothing streamed: the reported output is all there is
  const fields = reportOutput(stream, reported, (await streamHead(writer.ctx, stream)).textBytes ?? 0);
  await writer.streams.patch(stream, fields.stream);
  const message = await writer.message(threadId, turnId, itemId);
  if (message) await writer.ctx.db.patch("messages", message._id, fields.message);
}

/**
 * A long agent message's (plan's) text that equals its stream's whole text
 * (compared in full, lib/textInStream.ts) is kept once, in the stream: marks
 * the stream `holdsMessageText` and returns its id for the message's
 * `textStream`. Returns undefined for a short text (at most
 * `MAX_MESSAGE_INLINE_CHARS`: whole inline, see {@link markTextInMessage}),
 * no stream, or a text that differs (both are then kept).
 */
async function sameTextStream(writer: ThreadWriter, threadId: string, turnId: string, itemId: string, kind: StreamKind, text: string): Promise<Id<"streams"> | undefined> {
  if (text.length <= MAX_MESSAGE_INLINE_CHARS) return undefined;
  const stream = await writer.streams.find(await writer.thread(threadId), turnId, itemId, kind, 0);
  if (stream === null || !(await streamTextEquals(writer.ctx, stream, text))) return undefined;
  if (stream.holdsMessageText !== true) await writer.streams.patch(stream, { holdsMessageText: true });
  return stream._id;
}

/**
 * A short agent message's (plan's) text, whole inline in its message, that
 * equals its streamed text (compared in full): the stream records
 * `messageCursor`, where that text ends, so compaction keeps no copy of its
 * own while the stream still ends there and rebased readers read the message
 * text (`baseInMessage`, as for command output). A text that differs, or a
 * stream already compacted while live, records nothing: compaction then keeps
 * the streamed text as the stream's base.
 */
async function markTextInMessage(writer: ThreadWriter, threadId: string, turnId: string, itemId: string, kind: StreamKind, text: string): Promise<void> {
  const stream = await writer.streams.find(await writer.thread(threadId), turnId, itemId, kind, 0);
  if (stream === null || stream.compactedCursor !== undefined || text.length > MAX_MESSAGE_INLINE_CHARS) return;
  if (!(await streamTextEquals(writer.ctx, stream, text))) return;
  await writer.streams.patch(stream, { messageCursor: (await streamHead(writer.ctx, stream)).nextCursor });
}

/** A text delta: appended to its stream as a delta covering the seqs of the event. */
function deltaHandler(method: string): ItemHandler {
  return async (writer, params, event) => {
    const delta = deltaTarget(method, params);
    if (delta === undefined) return false;
    await writer.upsertMessageIfMissing(delta.threadId, delta.turnId, delta.itemId, delta.itemKind);
    const thread = await writer.thread(delta.threadId);
    const stream = await writer.streams.stream(thread, delta.turnId, delta.itemId, delta.kind, delta.part);
    await writer.streams.appendDelta(stream, delta.delta, (event.seqEnd ?? event.seq) - event.seq + 1);
    // A late delta of a turn that already ended is kept, and its stream closed again
    // (no watchdog runs for an ended turn).
    const turn = await writer.turn(delta.threadId, delta.turnId);
    if (turn.status !== "inProgress") await writer.streams.finishItem(thread, delta.turnId, delta.itemId);
    return true;
  };
}

/** `item/reasoning/summaryPartAdded`: the summary part's stream exists from now on. */
const summaryPartAdded: Handler = async (writer, params) => {
  const at = ids(params);
  const index = numberField(params, "summaryIndex");
  if (!at || index === undefined) return false;
  await writer.upsertMessageIfMissing(at.threadId, at.turnId, at.itemId, "reasoning");
  await writer.streams.stream(await writer.thread(at.threadId), at.turnId, at.itemId, "reasoningSummary", index);
  return true;
};

/** `item/fileChange/patchUpdated`: the changed paths of a file change in flight. */
const patchUpdated: Handler = async (writer, params) => {
  const at = ids(params);
  if (!at || !Array.isArray(params.changes)) return false;
  await writer.upsertMessageIfMissing(at.threadId, at.turnId, at.itemId, "fileChange");
  const message = await writer.message(at.threadId, at.turnId, at.itemId);
  const fields = itemFields({ type: "fileChange", changes: params.changes });
  await writer.upsertMessage(at.threadId, at.turnId, at.itemId, {
    kind: message?.kind ?? "fileChange",
    status: message?.status ?? "inProgress",
    fields: { paths: fields.paths ?? [], ...(fields.pathCount === undefined ? {} : { pathCount: fields.pathCount }) },
  });
  return true;
};

/** `item/mcpToolCall/progress`: the latest progress message of an MCP tool call. */
const mcpProgress: Handler = async (writer, params) => {
  const at = ids(params);
  const progress = head(stringField(params, "message"));
  if (!at || progress === undefined) return false;
  await writer.upsertMessageIfMissing(at.threadId, at.turnId, at.itemId, "mcpToolCall");
  const message = (await writer.message(at.threadId, at.turnId, at.itemId))!;
  await writer.ctx.db.patch("messages", message._id, { progress });
  return true;
};

const DELTA_METHODS = [
  "item/agentMessage/delta",
  "item/reasoning/summaryTextDelta",
  "item/reasoning/textDelta",
  "item/commandExecution/outputDelta",
  "item/fileChange/outputDelta",
  "item/plan/delta",
];

/** Item notifications by method. */
export const ITEM_HANDLERS: Readonly<Record<string, ItemHandler>> = {
  "item/started": itemLifecycle(false),
  "item/completed": itemLifecycle(true),
  "item/reasoning/summaryPartAdded": summaryPartAdded,
  "item/fileChange/patchUpdated": patchUpdated,
  "item/mcpToolCall/progress": mcpProgress,
  ...Object.fromEntries(DELTA_METHODS.map((method) => [method, deltaHandler(method)])),
};
