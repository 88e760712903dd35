/** Comparing a chaos run with the clean reference run: the no-loss, no-double, byte-exact checks. */
import Database from "better-sqlite3";
import { isCutOff, streamProblems, survivingTurns, threadsOf, type ConvexSnap, type ThreadSnap } from "./snapshot.js";

/** A session of the outbox file, as the test reads it. */
export type OutboxSession = { sessionId: string; jobId: string | null; lastSeq: number; ackedSeq: number };

/** Every session of the outbox at `path` (read-only). */
export function outboxSessions(path: string): OutboxSession[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare("SELECT session_id, job_id, last_seq, acked_seq FROM sessions ORDER BY created_at").all() as Array<{
        session_id: string;
        job_id: string | null;
        last_seq: number;
        acked_seq: number;
      }>
    ).map((row) => ({ sessionId: row.session_id, jobId: row.job_id, lastSeq: row.last_seq, ackedSeq: row.acked_seq }));
  } finally {
    db.close();
  }
}

/** The one thread with turns of `jobId`'s session. @throws when there is not exactly one. */
export function jobThread(snap: ConvexSnap, sessions: OutboxSession[], jobId: string): ThreadSnap {
  const session = sessions.find((s) => s.jobId === jobId);
  if (!session) throw new Error(`no outbox session for job ${jobId}`);
  const threads = threadsOf(snap, session.sessionId);
  if (threads.length !== 1) throw new Error(`job ${jobId}: expected 1 thread with turns, found ${threads.length}`);
  return threads[0] as ThreadSnap;
}

/** What one comparison found. */
export type Comparison = {
  /** Messages of the reference missing from the run (by turn position, kind, status, text and streams). */
  lost: number;
  /** Messages of the run the reference does not have. */
  doubled: number;
  /** Turns of the run recorded failed by the bridge (excluded from the comparison). */
  cutOff: number;
  /** Everything that did not match, for the assertion message. */
  problems: string[];
};

/**
 * Compares the jobs of a run with the reference: per job, the turns that were
 * not cut off must equal the reference's turns message by message, and every
 * session must be fully acknowledged in Convex (`ackedSeq` = the outbox's last seq).
 */
export function compareRuns(
  reference: { snap: ConvexSnap; sessions: OutboxSession[] },
  run: { snap: ConvexSnap; sessions: OutboxSession[] },
  jobIds: string[],
): Comparison {
  const result: Comparison = { lost: 0, doubled: 0, cutOff: 0, problems: [...run.snap.deltaProblems] };
  for (const session of run.sessions) {
    const acked = run.snap.ackedSeq[session.sessionId] ?? 0;
    if (session.lastSeq !== session.ackedSeq || acked !== session.lastSeq) {
      result.problems.push(`session ${session.sessionId}: outbox last ${session.lastSeq}, outbox acked ${session.ackedSeq}, Convex acked ${acked}`);
    }
  }
  for (const jobId of jobIds) {
    let want: ThreadSnap;
    let got: ThreadSnap;
    try {
      want = jobThread(reference.snap, reference.sessions, jobId);
      got = jobThread(run.snap, run.sessions, jobId);
    } catch (error) {
      result.problems.push((error as Error).message);
      continue;
    }
    result.cutOff += got.turns.filter(isCutOff).length;
    result.problems.push(...streamProblems(got).map((p) => `job ${jobId}: ${p}`));
    for (const turn of got.turns) {
      if (!isCutOff(turn) && turn.status !== "completed") result.problems.push(`job ${jobId}: turn ${turn.turnId} is ${turn.status} (${turn.error})`);
    }
    const keys = (thread: ThreadSnap) =>
      survivingTurns(thread).flatMap((turn, index) => turn.messages.map((m) => JSON.stringify([index, turn.status, m])));
    const wanted = keys(want);
    const remaining = [...keys(got)];
    for (const key of wanted) {
      const at = remaining.indexOf(key);
      if (at === -1) {
        result.lost += 1;
        result.problems.push(`job ${jobId}: missing ${key.slice(0, 300)}`);
      } else remaining.splice(at, 1);
    }
    result.doubled += remaining.length;
    for (const key of remaining) result.problems.push(`job ${jobId}: extra ${key.slice(0, 300)}`);
    if (remaining.length === 0 && JSON.stringify(survivingTurns(want)) !== JSON.stringify(survivingTurns(got))) {
      result.problems.push(`job ${jobId}: same messages, in another order`);
    }
  }
  return result;
}
