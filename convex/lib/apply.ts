/**
 * Applies one decoded event to the thread tables, or logs it in `events` when
 * it is not (yet) something the tables model. Nothing is dropped: every event
 * either changes state here or lands in the log.
 */
import type { Doc } from "../_generated/dataModel.js";
import type { MutationCtx } from "../_generated/server.js";
import type { CodexEvent } from "../../src/shared/validators.js";
import { type DecodedLine, type JsonObject, decodeLine, numberField, objectField, stringField } from "./decode.js";
import { deltaTarget, summarizeItem } from "./items.js";
import { putText } from "./parts.js";
import type { ThreadWriter } from "./writer.js";

const TURN_STATUSES = new Set(["inProgress", "completed", "interrupted", "failed"]);

/** Seconds (Codex's turn times) to milliseconds; undefined stays undefined. */
function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

/**
 * Applies a notification to state.
 * @returns false when the method is not one the tables model (the caller logs it).
 */
async function applyNotification(
  writer: ThreadWriter,
  method: string,
  params: JsonObject,
  event: CodexEvent,
): Promise<boolean> {
  const delta = deltaTarget(method, params);
  if (delta !== undefined) {
    await writer.upsertMessageIfMissing(delta.threadId, delta.turnId, delta.itemId, delta.itemKind);
    const stream = await writer.stream(delta.threadId, delta.turnId, delta.itemId, delta.kind, delta.part);
    const count = (event.seqEnd ?? event.seq) - event.seq + 1;
    await writer.appendDelta(stream, delta.delta, count);
    return true;
  }
  switch (method) {
    case "thread/started": {
      const thread = objectField(params, "thread");
      const threadId = thread && stringField(thread, "id");
      if (!thread || threadId === undefined) return false;
      const status = objectField(thread, "status");
      await writer.patchThread(threadId, {
        cwd: stringField(thread, "cwd"),
        model: stringField(thread, "model"),
        preview: stringField(thread, "preview") || undefined,
        status: status && stringField(status, "type"),
      });
      return true;
    }
    case "thread/status/changed": {
      const threadId = stringField(params, "threadId");
      const status = objectField(params, "status");
      if (threadId === undefined || !status) return false;
      await writer.patchThread(threadId, { status: stringField(status, "type") });
      return true;
    }
    case "turn/started":
    case "turn/completed": {
      const threadId = stringField(params, "threadId");
      const turn = objectField(params, "turn");
      const turnId = turn && stringField(turn, "id");
      const status = turn && stringField(turn, "status");
      if (threadId === undefined || !turn || turnId === undefined || !status || !TURN_STATUSES.has(status)) {
        return false;
      }
      const error = objectField(turn, "error");
      await writer.upsertTurn(threadId, turnId, {
        status: status as Doc<"turns">["status"],
        error: error && stringField(error, "message"),
        startedAt: secondsToMs(numberField(turn, "startedAt")),
        completedAt: secondsToMs(numberField(turn, "completedAt")),
      });
      if (method === "turn/completed") await writer.finishThreadStreams(threadId);
      return true;
    }
    case "item/started":
    case "item/completed": {
      const threadId = stringField(params, "threadId");
      const turnId = stringField(params, "turnId");
      const item = objectField(params, "item");
      const completed = method === "item/completed";
      const summary = item && summarizeItem(item, completed);
      if (threadId === undefined || turnId === undefined || !item || !summary) return false;
      await writer.upsertMessage(threadId, turnId, summary.itemId, {
        kind: summary.kind,
        status: summary.status,
        text: summary.text,
        item: JSON.stringify(item),
        ...(completed
          ? { completedAt: numberField(params, "completedAtMs") ?? event.receivedAt }
          : { startedAt: numberField(params, "startedAtMs") ?? event.receivedAt }),
      });
      if (completed) await writer.finishStreams(threadId, summary.itemId);
      return true;
    }
    default:
      return false;
  }
}

/** The thread a logged event belongs to, when its params name one. */
function threadOf(decoded: DecodedLine): string | undefined {
  if (decoded.type !== "notification" && decoded.type !== "serverRequest") return undefined;
  const direct = stringField(decoded.params, "threadId");
  if (direct !== undefined) return direct;
  const thread = objectField(decoded.params, "thread");
  return thread && stringField(thread, "id");
}

/** Stores an event in the `events` log. */
async function logEvent(
  ctx: MutationCtx,
  writer: ThreadWriter,
  sessionId: string,
  event: CodexEvent,
  decoded: DecodedLine,
): Promise<void> {
  const method =
    decoded.type === "malformed" ? "malformed" : decoded.type === "response" ? "response" : decoded.method;
  const threadId = threadOf(decoded);
  // Touching the thread checks ownership and creates it when first named.
  if (threadId !== undefined) await writer.thread(threadId);
  const id = await ctx.db.insert("events", {
    sessionId,
    seq: event.seq,
    threadId,
    origin: event.origin,
    method,
    line: "",
    receivedAt: event.receivedAt,
  });
  const stored = await putText(ctx, id, "line", event.line, undefined);
  await ctx.db.patch("events", id, { line: stored.parts === undefined ? stored.inline : "", lineParts: stored.parts });
}

/** Applies `event` to state, or logs it when the tables do not model it. */
export async function applyEvent(
  ctx: MutationCtx,
  writer: ThreadWriter,
  sessionId: string,
  event: CodexEvent,
): Promise<void> {
  const decoded = decodeLine(event.line);
  if (decoded.type === "notification" && event.origin === "codex") {
    if (await applyNotification(writer, decoded.method, decoded.params, event)) return;
  }
  await logEvent(ctx, writer, sessionId, event, decoded);
}
