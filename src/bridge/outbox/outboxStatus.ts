/**
 * What `codex-convex status` reports, read from the outbox file alone: per
 * session, how much Convex has not acknowledged yet and since when, the last
 * push and the last push error, who runs it, and where its job stands.
 */
import { existsSync } from "node:fs";
import { BridgeError } from "../errors.js";
import { Outbox } from "./outbox.js";
import type { SessionStats } from "./outboxTypes.js";
import { readProgress } from "../jobs/progress.js";

/** One session's status. Times are ms since the Unix epoch; ages are ms before `at`. */
export type SessionStatus = SessionStats & {
  threadId: string | null;
  /** Prompts of the session's job that ran, and how many it has; null for sessions of `run`. */
  prompts: { done: number; total: number } | null;
  /** The turn that was running when the owner last stored progress, or null. */
  activeTurnId: string | null;
  oldestPendingAgeMs: number | null;
  lastPushAgeMs: number | null;
};

/** The status of a whole outbox. */
export type OutboxStatus = {
  path: string;
  /** When it was read. */
  at: number;
  sessions: SessionStatus[];
  totals: {
    sessions: number;
    pendingEvents: number;
    pendingBytes: number;
    oldestPendingAgeMs: number | null;
    /** Sessions with unacknowledged events whose last push failed (retrying or stopped). */
    sessionsWithErrors: number;
    /** Sessions whose pushing stopped on a permanent error (see `pushStopped`); they need the cause fixed and a restart. */
    sessionsStopped: number;
  };
};

/**
 * Reads the status of the outbox at `path` (migrating an older schema, as
 * any open does).
 * @param now - The time ages are measured to; default now.
 * @throws BridgeError `INVALID_ARGUMENT` when there is no file there;
 *   `OUTBOX_CORRUPT` when it is not a readable outbox.
 */
export function outboxStatus(path: string, now: number = Date.now()): OutboxStatus {
  if (!existsSync(path)) {
    throw new BridgeError("INVALID_ARGUMENT", `No outbox at ${path}. Pass --outbox, or --cwd of the directory you ran the bridge in.`);
  }
  const outbox = Outbox.open(path);
  try {
    const records = new Map(outbox.sessions().map((record) => [record.sessionId, record]));
    const sessions = outbox.stats().map((stats): SessionStatus => {
      const meta = records.get(stats.sessionId)?.meta ?? {};
      const progress = readProgress(meta);
      const prompts = Array.isArray(meta.prompts) ? meta.prompts.length : null;
      return {
        ...stats,
        threadId: typeof meta.threadId === "string" ? meta.threadId : progress.threadId,
        prompts: prompts === null ? null : { done: progress.nextPrompt, total: prompts },
        activeTurnId: progress.activeTurn?.turnId ?? null,
        oldestPendingAgeMs: stats.oldestPendingReceivedAt === null ? null : now - stats.oldestPendingReceivedAt,
        lastPushAgeMs: stats.lastPushAt === null ? null : now - stats.lastPushAt,
      };
    });
    const ages = sessions.map((s) => s.oldestPendingAgeMs).filter((age): age is number => age !== null);
    return {
      path,
      at: now,
      sessions,
      totals: {
        sessions: sessions.length,
        pendingEvents: sessions.reduce((sum, s) => sum + s.pendingEvents, 0),
        pendingBytes: sessions.reduce((sum, s) => sum + s.pendingBytes, 0),
        oldestPendingAgeMs: ages.length > 0 ? Math.max(...ages) : null,
        sessionsWithErrors: sessions.filter((s) => s.pendingEvents > 0 && s.lastError !== null).length,
        sessionsStopped: sessions.filter((s) => s.pushStopped !== null).length,
      },
    };
  } finally {
    outbox.close();
  }
}
