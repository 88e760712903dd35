/** What a bridge run reports: the summary at its end, the snapshot for status lines (see `bridge.ts`). */
import type { Outbox } from "../outbox/outbox.js";
import type { JobResult } from "./jobRunner.js";

/** One session at the end of a bridge run. */
export type SessionSummary = {
  sessionId: string;
  jobId: string | null;
  lastSeq: number;
  ackedSeq: number;
  /** `ingestSafe` calls answered in this run. */
  pushes: number;
  drained: boolean;
  /** The permanent error pushing stopped on (events kept in the outbox), or null. */
  pushStopped: PushStop | null;
};

/** A session's pushing stopped on a permanent error: the code, the message, and what to do. */
export type PushStop = { code: string; message: string; advice: string };

/** A session of the outbox this run did not push, with events Convex has not acknowledged. */
export type LeftBehind = {
  sessionId: string;
  jobId: string | null;
  /** Events stored and not acknowledged. */
  pendingEvents: number;
  /** The process that owns it and still runs (so this run left it alone), or null. */
  ownerPid: number | null;
};

/** What a bridge run did. */
export type BridgeSummary = {
  jobs: JobResult[];
  /** The sessions this run pushed. */
  sessions: SessionSummary[];
  /** Other sessions of the outbox with unacknowledged events (e.g. run by another live bridge). */
  leftBehind: LeftBehind[];
  /**
   * True when Convex acknowledged every event of every session in the
   * outbox: those this run pushed and all others (see {@link BridgeSummary.leftBehind}).
   */
  drained: boolean;
  /** The stop reason, when stopped before the work was done. */
  stoppedBy: string | null;
  durationMs: number;
};

/** A point-in-time view for status lines. */
export type BridgeSnapshot = {
  jobs: Array<{ id: string; state: JobResult["state"]; nextPrompt: number; prompts: number; codexPid: number | undefined }>;
  sessions: Array<{
    sessionId: string;
    lastSeq: number;
    ackedSeq: number;
    lastError: string | null;
    lastPushAt: number | null;
    /** Code of the permanent error pushing stopped on, or null (pushing or retrying). */
    pushStopped: string | null;
  }>;
};

/**
 * Sessions of `outbox` with events Convex has not acknowledged, other than
 * those in `pushed` (the sessions this run pushed): run by another live
 * bridge, or left by an earlier one and not adopted.
 */
export function sessionsLeftBehind(outbox: Outbox, pushed: ReadonlySet<string>): LeftBehind[] {
  const stats = new Map(outbox.stats().map((s) => [s.sessionId, s]));
  return outbox
    .sessions()
    .filter((record) => !pushed.has(record.sessionId) && record.lastSeq > record.ackedSeq)
    .map((record) => ({
      sessionId: record.sessionId,
      jobId: record.jobId,
      pendingEvents: record.lastSeq - record.ackedSeq,
      ownerPid: stats.get(record.sessionId)?.ownerAlive ? record.ownerPid : null,
    }));
}
