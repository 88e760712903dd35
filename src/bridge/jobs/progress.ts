/**
 * Where a job stands in its list of prompts, kept in the outbox session's meta
 * (key {@link PROGRESS_META_KEY}) and updated in the SAME transaction as the
 * codex line that moved it (`thread/started`, `turn/started`,
 * `turn/completed`). So after any crash, the progress on disk agrees exactly
 * with the lines on disk: a turn whose `turn/completed` was stored is never run
 * again, and a turn whose `turn/started` was stored without its completion is
 * known to have been cut off.
 */
import type { SessionMeta } from "../outbox/outboxTypes.js";
import { mayChangePending, observePending, type PendingServerRequest } from "./pendingRequests.js";

/** The meta key the progress is stored under. */
export const PROGRESS_META_KEY = "progress";

/** A turn codex started for one of the job's prompts. */
export type TurnRef = {
  turnId: string;
  /** Index of the prompt in the job's list (0-based). */
  prompt: number;
};

/** How a turn ended, as codex reported it in `turn/completed`. */
export type TurnOutcome = TurnRef & {
  status: string;
  /** The turn's `error.message`, or null. */
  error: string | null;
};

/** A job's position; see the module comment. */
export type JobProgress = {
  /** The job's thread, once codex reported `thread/started` (or the bridge resumed it). */
  threadId: string | null;
  /** Index of the next prompt to run: prompts before it have a `turn/completed`. */
  nextPrompt: number;
  /** Prompt whose `turn/start` the bridge sent and whose `turn/started` has not arrived, or null. */
  sentPrompt: number | null;
  /** The turn running now (started, not completed), or null. */
  activeTurn: TurnRef | null;
  /** Times prompt `nextPrompt` was cut off by a crash (bridge or codex) and recorded failed. */
  attempts: number;
  /** How the last completed turn ended, or null. */
  lastTurn: TurnOutcome | null;
  /** True once every prompt ran. */
  done: boolean;
  /** Server requests codex sent that nobody answered yet (see `pendingRequests.ts`). */
  pendingRequests: readonly PendingServerRequest[];
};

/** Progress of a job that has not started. */
export const INITIAL_PROGRESS: JobProgress = {
  threadId: null,
  nextPrompt: 0,
  sentPrompt: null,
  activeTurn: null,
  attempts: 0,
  lastTurn: null,
  done: false,
  pendingRequests: [],
};

/**
 * The progress stored in a session's meta, or {@link INITIAL_PROGRESS} when
 * there is none (a session of `run` or of an older bridge).
 */
export function readProgress(meta: SessionMeta): JobProgress {
  const stored = meta[PROGRESS_META_KEY];
  if (typeof stored !== "object" || stored === null) return INITIAL_PROGRESS;
  const progress = { ...INITIAL_PROGRESS, ...(stored as Partial<JobProgress>) };
  return Array.isArray(progress.pendingRequests) ? progress : { ...progress, pendingRequests: [] };
}

/**
 * The progress after codex printed `lines` (all lines of one read), or null
 * when none of them moves it. Pure: the caller stores the result with the lines.
 *
 * - `thread/started` sets the thread when none is set yet;
 * - `turn/started` of the job's thread binds the turn to `sentPrompt`;
 * - `turn/completed` of the active turn moves `nextPrompt` past its prompt;
 * - server requests open and close `pendingRequests` (see `pendingRequests.ts`).
 *
 * Lines that are not JSON, or name other threads or turns, are ignored.
 * @param origin - Who wrote the lines; only the bridge's replies to server requests count from `"bridge"`.
 */
export function observeLines(progress: JobProgress, lines: readonly string[], origin: "codex" | "bridge" = "codex"): JobProgress | null {
  let next = progress;
  for (const line of lines) {
    const pendingMayChange = mayChangePending(line, origin) || (origin === "codex" && line.includes('"serverRequest/resolved"'));
    const turnMayChange = origin === "codex" && (line.includes('"thread/started"') || line.includes('"turn/'));
    if (!pendingMayChange && !turnMayChange) continue;
    const message = parseObject(line);
    if (!message) continue;
    if (pendingMayChange) {
      const pendingRequests = observePending(next.pendingRequests, message, origin);
      if (pendingRequests !== next.pendingRequests) next = { ...next, pendingRequests };
    }
    const params = asObject(message.params);
    if (!turnMayChange || !params || "id" in message) continue;
    next = observe(next, String(message.method), params);
  }
  return next === progress ? null : next;
}

function observe(progress: JobProgress, method: string, params: Record<string, unknown>): JobProgress {
  if (method === "thread/started") {
    const threadId = asObject(params.thread)?.id;
    if (progress.threadId !== null || typeof threadId !== "string") return progress;
    return { ...progress, threadId };
  }
  if (params.threadId !== progress.threadId || progress.threadId === null) return progress;
  const turn = asObject(params.turn);
  const turnId = turn?.id;
  if (typeof turnId !== "string") return progress;
  if (method === "turn/started" && progress.sentPrompt !== null) {
    return { ...progress, activeTurn: { turnId, prompt: progress.sentPrompt }, sentPrompt: null };
  }
  if (method === "turn/completed" && progress.activeTurn?.turnId === turnId) {
    const { prompt } = progress.activeTurn;
    const error = asObject(turn?.error)?.message;
    return {
      ...progress,
      nextPrompt: prompt + 1,
      activeTurn: null,
      attempts: 0,
      lastTurn: { turnId, prompt, status: String(turn?.status), error: typeof error === "string" ? error : null },
    };
  }
  return progress;
}

function parseObject(line: string): Record<string, unknown> | null {
  try {
    return asObject(JSON.parse(line));
  } catch {
    return null;
  }
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
