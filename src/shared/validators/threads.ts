/** Validators of threads, turns, server requests and the event log. */
import { v, type Infer } from "convex/values";
import { vEventOrigin } from "./ingest.js";
import { vRequestViewFields } from "./requestView.js";

/** Status of a turn, as Codex reports it (`TurnStatus`). */
export const vTurnStatus = v.union(
  v.literal("inProgress"),
  v.literal("completed"),
  v.literal("interrupted"),
  v.literal("failed"),
);
export type TurnStatus = Infer<typeof vTurnStatus>;

/** Token counts of Codex's `TokenUsageBreakdown`. */
export const vTokenBreakdown = v.object({
  totalTokens: v.number(),
  inputTokens: v.number(),
  cachedInputTokens: v.number(),
  cacheWriteInputTokens: v.number(),
  outputTokens: v.number(),
  reasoningOutputTokens: v.number(),
});
export type TokenBreakdown = Infer<typeof vTokenBreakdown>;

/** Token usage from `thread/tokenUsage/updated`: the thread's running total and the last request's. */
export const vTokenUsage = v.object({
  total: vTokenBreakdown,
  last: vTokenBreakdown,
  modelContextWindow: v.optional(v.number()),
});
export type TokenUsage = Infer<typeof vTokenUsage>;

/** A turn's plan from `turn/plan/updated` (at most `MAX_PLAN_STEPS` steps). */
export const vPlan = v.object({
  explanation: v.optional(v.string()),
  steps: v.array(v.object({ step: v.string(), status: v.string() })),
  /** How many steps Codex sent, when more than `steps` holds. */
  stepCount: v.optional(v.number()),
});
export type Plan = Infer<typeof vPlan>;

/** What the last `thread/revert` removed: the turn named and every later one, with their items. */
export const vRevert = v.object({
  /** The first turn removed; undefined when codex reverted without the bridge's request being seen. */
  beforeTurnId: v.optional(v.string()),
  /** Removed turns have `order` ≥ this; removed messages have `order` in [fromItemOrder, toItemOrder). */
  fromTurnOrder: v.optional(v.number()),
  fromItemOrder: v.optional(v.number()),
  toItemOrder: v.optional(v.number()),
  /** Milliseconds since the Unix epoch. */
  at: v.number(),
});
export type Revert = Infer<typeof vRevert>;

/**
 * How the thread's newest turn stands, kept on the thread so a thread list
 * can say "failed" or "interrupted" without loading turns. Written when a
 * turn starts or ends (codex's turn/started and turn/completed, the bridge's
 * bridge/turnFailed, the idle watchdog); a late end of an older turn never
 * replaces a newer turn's.
 */
export const vLastTurn = v.object({
  turnId: v.string(),
  /** The turn's `order` in its thread (0 for the first). */
  order: v.number(),
  status: vTurnStatus,
  /** Why it failed or was interrupted (head of the message), when known. */
  error: v.optional(v.string()),
});
export type LastTurn = Infer<typeof vLastTurn>;

/** The fields of a thread that queries return (the component stores a few more). */
export const vThreadFields = {
  threadId: v.string(),
  userId: v.string(),
  sessionId: v.string(),
  cwd: v.optional(v.string()),
  model: v.optional(v.string()),
  preview: v.optional(v.string()),
  /** Codex's thread status `type`: notLoaded, idle, systemError, active. */
  status: v.optional(v.string()),
  /** With status active: `waitingOnApproval`, `waitingOnUserInput`. */
  activeFlags: v.optional(v.array(v.string())),
  /** The user-facing title (`thread/name/updated`). */
  name: v.optional(v.string()),
  archived: v.optional(v.boolean()),
  /** Set by `thread/deleted`; the thread's rows stay until the host deletes them. */
  deleted: v.optional(v.boolean()),
  /** The thread this one was forked from. */
  forkedFromId: v.optional(v.string()),
  /** The parent thread of a sub-agent thread. */
  parentThreadId: v.optional(v.string()),
  tokenUsage: v.optional(vTokenUsage),
  lastRevert: v.optional(vRevert),
  /** The newest turn's status (see {@link vLastTurn}); absent before the first turn starts. */
  lastTurn: v.optional(vLastTurn),
  /** Milliseconds since the Unix epoch of the last event applied to the thread. */
  updatedAt: v.number(),
};

/**
 * A thread as queries return it: the stored fields, and `deviceId`, the id of
 * the caller's paired device whose bridge session runs the thread (absent
 * when that session was opened with a user token, or its device is gone or
 * not the caller's). It is the `deviceId` of `listDevices`.
 */
export const vThread = v.object({ _id: v.string(), _creationTime: v.number(), ...vThreadFields, deviceId: v.optional(v.string()) });
export type Thread = Infer<typeof vThread>;

/** The fields of a turn that queries return (the component stores a few more). */
export const vTurnFields = {
  threadId: v.string(),
  turnId: v.string(),
  order: v.number(),
  status: vTurnStatus,
  /** Why the turn failed or was interrupted (Codex's message, the bridge's reason, or the idle timeout). */
  error: v.optional(v.string()),
  /** From the `error` notification: whether Codex retries. */
  errorWillRetry: v.optional(v.boolean()),
  startedAt: v.optional(v.number()),
  completedAt: v.optional(v.number()),
  durationMs: v.optional(v.number()),
  tokenUsage: v.optional(vTokenUsage),
  plan: v.optional(vPlan),
  /** The turn's unified diff, whole when short; else its head and `diffParts` is set (`turns.getDiff`). */
  diff: v.optional(v.string()),
  diffParts: v.optional(v.number()),
  diffLength: v.optional(v.number()),
  /** True once a `thread/revert` removed the turn from Codex's history. */
  reverted: v.optional(v.boolean()),
  /**
   * Milliseconds since the Unix epoch of the turn's last event, to within a
   * tenth of its `turnIdleMs` (at most `LAST_EVENT_STAMP_MAX_MS`, 1 min):
   * ingest restamps the turn only when its stamp is older.
   */
  lastEventAt: v.optional(v.number()),
};

/** A turn as queries return it. */
export const vTurn = v.object({ _id: v.string(), _creationTime: v.number(), ...vTurnFields });
export type Turn = Infer<typeof vTurn>;

/**
 * Lifecycle of a server request: `pending` until the bridge answers
 * (`answered`) and Codex confirms (`resolved`, from `serverRequest/resolved`);
 * `cancelled` when its turn ended first; `expired` when its JSON-RPC id died
 * (codex or the bridge restarted: `bridge/serverRequestExpired`).
 */
export const vServerRequestStatus = v.union(
  v.literal("pending"),
  v.literal("answered"),
  v.literal("resolved"),
  v.literal("cancelled"),
  v.literal("expired"),
);
export type ServerRequestStatus = Infer<typeof vServerRequestStatus>;

/** A request Codex sent to the client (an approval, user input, a tool call). */
/** The fields of a server request that queries return (the component stores a few more). */
export const vServerRequestFields = {
  threadId: v.optional(v.string()),
  turnId: v.optional(v.string()),
  itemId: v.optional(v.string()),
  /** The JSON-RPC id, as JSON (`0`, `"abc"`); unique per codex process. */
  requestId: v.string(),
  /** e.g. `item/commandExecution/requestApproval`, `item/tool/requestUserInput`. */
  method: v.string(),
  status: vServerRequestStatus,
  /** What the approval is for, when the request says (heads of long values). */
  reason: v.optional(v.string()),
  command: v.optional(v.string()),
  cwd: v.optional(v.string()),
  /** The bridge's answer `result.decision`, when it had one. */
  decision: v.optional(v.string()),
  /** The request's `params` as JSON; "" when long and kept in parts. */
  params: v.string(),
  createdAt: v.number(),
  resolvedAt: v.optional(v.number()),
  ...vRequestViewFields,
};

/** A server request as `listServerRequests` returns it. */
export const vServerRequest = v.object({ _id: v.string(), _creationTime: v.number(), ...vServerRequestFields });
export type ServerRequest = Infer<typeof vServerRequest>;

/** An event kept in the log (not applied to the tables above). */
/** The fields of a logged event that queries return (the component stores a few more). */
export const vLoggedEventFields = {
  sessionId: v.string(),
  seq: v.number(),
  threadId: v.optional(v.string()),
  origin: vEventOrigin,
  /** The JSON-RPC method, `response`, or `malformed`. */
  method: v.string(),
  /** Why a `malformed` line was not applied (not JSON, nested too deep, ...). */
  reason: v.optional(v.string()),
  /** The line, whole when short, else "" and `lineParts` is set. */
  line: v.string(),
  lineParts: v.optional(v.number()),
  receivedAt: v.number(),
};

/** A logged event as `listEvents` returns it. */
export const vLoggedEvent = v.object({ _id: v.string(), _creationTime: v.number(), ...vLoggedEventFields });
export type LoggedEvent = Infer<typeof vLoggedEvent>;
