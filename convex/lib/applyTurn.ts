/**
 * Applies turn notifications to the `turns` table: started, completed, plan,
 * diff, errors, and the bridge's `bridge/turnFailed` record.
 */
import type { Doc } from "../_generated/dataModel.js";
import { MAX_PLAN_STEPS, MAX_TURN_DIFF_INLINE_CHARS } from "../../src/shared/limits.js";
import type { Plan } from "../../src/shared/validators.js";
import type { Handler } from "./applyThread.js";
import { booleanField, type JsonObject, numberField, objectField, stringField } from "./decode.js";
import { head } from "./items.js";
import { recordLastTurn } from "./lastTurn.js";
import { putText } from "./parts.js";
import { closeTurn, settleTurn } from "./turnEnd.js";

const TURN_STATUSES: ReadonlySet<string> = new Set(["inProgress", "completed", "interrupted", "failed"]);

/** Seconds (Codex's turn times) to milliseconds; undefined stays undefined. */
function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

/** The message of a `TurnError`, with its details when given. */
function errorText(error: JsonObject | undefined): string | undefined {
  if (!error) return undefined;
  const message = stringField(error, "message");
  const details = stringField(error, "additionalDetails");
  return head(details ? `${message ?? ""}\n${details}` : message);
}

/**
 * `turn/started` and `turn/completed`: the turn's status, error and times
 * (also kept as the thread's `lastTurn`); a completed turn settles its items.
 */
const turnLifecycle: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  const turn = objectField(params, "turn");
  const turnId = turn && stringField(turn, "id");
  const status = turn && stringField(turn, "status");
  if (threadId === undefined || !turn || turnId === undefined || !status || !TURN_STATUSES.has(status)) return false;
  const fields: Partial<Doc<"turns">> = { status: status as Doc<"turns">["status"] };
  const error = errorText(objectField(turn, "error"));
  const startedAt = secondsToMs(numberField(turn, "startedAt"));
  const completedAt = secondsToMs(numberField(turn, "completedAt"));
  const durationMs = numberField(turn, "durationMs");
  if (error !== undefined) fields.error = error;
  if (startedAt !== undefined) fields.startedAt = startedAt;
  if (completedAt !== undefined) fields.completedAt = completedAt;
  if (durationMs !== undefined) fields.durationMs = durationMs;
  const patched = await writer.patchTurn(threadId, turnId, fields);
  await recordLastTurn(writer.ctx, patched, patched.status, patched.error);
  if (status !== "inProgress") {
    await settleTurn(writer.ctx, patched, { status: status as "completed" | "interrupted" | "failed" }, writer.now);
    writer.forgetTurnsAndStreams();
  }
  return true;
};

const planUpdated: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  if (threadId === undefined || turnId === undefined || !Array.isArray(params.plan)) return false;
  const steps = params.plan
    .filter((s): s is JsonObject => typeof s === "object" && s !== null)
    .map((s) => ({ step: head(stringField(s, "step")) ?? "", status: stringField(s, "status") ?? "pending" }));
  const plan: Plan = { steps: steps.slice(0, MAX_PLAN_STEPS) };
  const explanation = head(stringField(params, "explanation"));
  if (explanation !== undefined) plan.explanation = explanation;
  if (steps.length > MAX_PLAN_STEPS) plan.stepCount = steps.length;
  await writer.patchTurn(threadId, turnId, { plan });
  return true;
};

/** `turn/diff/updated`: the turn's whole unified diff, its head inline and the rest in parts. */
const diffUpdated: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  const diff = stringField(params, "diff");
  if (threadId === undefined || turnId === undefined || diff === undefined) return false;
  const turn = await writer.turn(threadId, turnId);
  const stored = await putText(writer.ctx, turn._id, "diff", diff, turn.diffParts, MAX_TURN_DIFF_INLINE_CHARS);
  await writer.patchTurn(threadId, turnId, { diff: stored.inline, diffParts: stored.parts, diffLength: diff.length });
  return true;
};

/** `error`: the turn's error message, and whether Codex retries. */
const turnError: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  const error = errorText(objectField(params, "error"));
  if (threadId === undefined || turnId === undefined || error === undefined) return false;
  await writer.patchTurn(threadId, turnId, { error, errorWillRetry: booleanField(params, "willRetry") ?? false });
  return true;
};

/**
 * `bridge/turnFailed` (origin bridge, `{threadId, turnId, reason}`): codex
 * died mid-turn. The turn is failed with the reason, its streams finished,
 * its open server requests `expired` (their JSON-RPC ids died with codex).
 */
const bridgeTurnFailed: Handler = async (writer, params) => {
  const threadId = stringField(params, "threadId");
  const turnId = stringField(params, "turnId");
  if (threadId === undefined || turnId === undefined) return false;
  const turn = await writer.turn(threadId, turnId);
  const reason = head(stringField(params, "reason")) ?? "The bridge reported the turn failed.";
  await closeTurn(writer.ctx, turn, { status: "failed", error: reason, requestsExpiredReason: reason }, writer.now);
  writer.forgetTurnsAndStreams();
  return true;
};

/** Turn notifications from codex, by method. */
export const TURN_HANDLERS: Readonly<Record<string, Handler>> = {
  "turn/started": turnLifecycle,
  "turn/completed": turnLifecycle,
  "turn/plan/updated": planUpdated,
  "turn/diff/updated": diffUpdated,
  error: turnError,
};

/** Records the bridge writes itself that change state, by method. */
export const BRIDGE_HANDLERS: Readonly<Record<string, Handler>> = {
  "bridge/turnFailed": bridgeTurnFailed,
};
