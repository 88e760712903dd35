/**
 * Applies one event to the tables, or keeps it in the bounded event log when
 * it is not something the tables model. Nothing is dropped and nothing
 * throws for a line's content: every event either changes state or is logged.
 *
 * Applied, from codex: the notifications in THREAD_HANDLERS, TURN_HANDLERS,
 * ITEM_HANDLERS and `serverRequest/resolved`, and every server request.
 * Applied, from the bridge: `bridge/turnFailed`, `bridge/serverRequestExpired`,
 * its answers to server requests, and its `thread/revert` requests (also logged).
 */
import { deltaTarget } from "./deltaTarget.js";
import type { CodexEvent } from "../../src/shared/validators.js";
import { ITEM_HANDLERS, type ItemHandler } from "./applyItem.js";
import { THREAD_HANDLERS } from "./applyThread.js";
import { BRIDGE_HANDLERS, TURN_HANDLERS } from "./applyTurn.js";
import { STEER_BRIDGE_HANDLERS } from "./bridgeLines.js";
import { type DecodedLine, decodeLine, type JsonObject, objectField, stringField } from "./decode.js";
import { logEvent } from "./eventLog.js";
import { head } from "./items.js";
import { answerRequest, recordRequest, resolveRequest } from "./serverRequests.js";
import type { ThreadWriter } from "./writer.js";

const CODEX_HANDLERS: Readonly<Record<string, ItemHandler>> = {
  ...THREAD_HANDLERS,
  ...TURN_HANDLERS,
  ...ITEM_HANDLERS,
  "serverRequest/resolved": resolveRequest,
};

/** The notification methods ingest applies to state (the rest are logged). */
export const APPLIED_METHODS: readonly string[] = Object.keys(CODEX_HANDLERS).sort();

/** The thread an event's params name, directly or as `thread.id`. */
function threadOf(params: JsonObject): string | undefined {
  const direct = stringField(params, "threadId");
  if (direct !== undefined) return direct;
  const thread = objectField(params, "thread");
  return thread && stringField(thread, "id");
}

/** Marks the turn an event names as having an event now (for the idle watchdog). */
async function touchTurn(writer: ThreadWriter, params: JsonObject): Promise<void> {
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  if (threadId !== undefined && turnId !== undefined) await writer.turn(threadId, turnId);
}

/** Applies an event from codex. @returns false when it is to be logged instead. */
async function applyFromCodex(writer: ThreadWriter, decoded: DecodedLine, event: CodexEvent): Promise<boolean> {
  if (decoded.type === "serverRequest") {
    await recordRequest(writer, decoded.id, decoded.method, decoded.params, event.receivedAt, event.seq);
    return true;
  }
  if (decoded.type !== "notification") return false;
  const handler = CODEX_HANDLERS[decoded.method];
  if (handler === undefined || !(await handler(writer, decoded.params, event))) return false;
  await touchTurn(writer, decoded.params);
  return true;
}

/** Applies a record from the bridge. @returns false when it is (also) to be logged. */
async function applyFromBridge(writer: ThreadWriter, decoded: DecodedLine): Promise<boolean> {
  if (decoded.type === "response") {
    return await answerRequest(writer.ctx, writer.session._id, decoded.id, decoded.result);
  }
  if (decoded.type === "serverRequest" && decoded.method === "thread/revert") {
    // A request the bridge sent to codex: remember what it reverts until codex confirms.
    const threadId = stringField(decoded.params, "threadId");
    const beforeTurnId = stringField(decoded.params, "beforeTurnId");
    if (threadId !== undefined && beforeTurnId !== undefined) {
      await writer.patchThread(threadId, { pendingRevert: { beforeTurnId } });
    }
    return false;
  }
  if (decoded.type !== "notification") return false;
  const handler = BRIDGE_HANDLERS[decoded.method] ?? STEER_BRIDGE_HANDLERS[decoded.method];
  return handler !== undefined && (await handler(writer, decoded.params));
}

/** Longest reason kept on a line logged as malformed, in UTF-16 code units. */
const MAX_REASON_CHARS = 256;

/** Errors our own code can raise on odd content (never a database or limit error, which are rethrown). */
function isContentError(error: unknown): error is Error {
  return error instanceof RangeError || error instanceof TypeError || error instanceof SyntaxError;
}

/**
 * Applies `event` to state, or logs it when the tables do not model it. Never
 * throws for a line's content: a line the handlers fail on (a JS error such
 * as a stack overflow) is logged as `malformed` with the reason, so the
 * events after it still apply.
 */
export async function applyEvent(writer: ThreadWriter, event: CodexEvent): Promise<void> {
  const decoded = decodeLine(event.line);
  const params = decoded.type === "notification" || decoded.type === "serverRequest" ? decoded.params : undefined;
  const threadId = params && threadOf(params);
  try {
    await applyDecoded(writer, event, decoded, params, threadId);
  } catch (error) {
    if (!isContentError(error)) throw error;
    const reason = head(`not applied: ${error.name}: ${error.message}`, MAX_REASON_CHARS) ?? "";
    try {
      await logEvent(writer, event, "malformed", threadId, reason);
    } catch (again) {
      if (!isContentError(again)) throw again;
      await logEvent(writer, event, "malformed", undefined, reason);
    }
  }
}

async function applyDecoded(
  writer: ThreadWriter,
  event: CodexEvent,
  decoded: DecodedLine,
  params: JsonObject | undefined,
  threadId: string | undefined,
): Promise<void> {
  // The session's user's thread of that id (threads are keyed per user), created when first named.
  if (threadId !== undefined) await writer.thread(threadId);
  // Deltas wait in the stream writer to be stored as one chunk per stream per
  // batch; any other event may read or end their streams, so they are stored first.
  const isDelta = decoded.type === "notification" && params !== undefined && deltaTarget(decoded.method, params) !== undefined;
  if (!isDelta) await writer.streams.flushPending();
  const applied =
    event.origin === "codex" ? await applyFromCodex(writer, decoded, event) : await applyFromBridge(writer, decoded);
  if (applied) return;
  const method = decoded.type === "malformed" ? "malformed" : decoded.type === "response" ? "response" : decoded.method;
  if (params && event.origin === "codex") await touchTurn(writer, params);
  await logEvent(writer, event, method, threadId, decoded.type === "malformed" ? decoded.reason : undefined);
}
