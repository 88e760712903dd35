/**
 * Which seqs Convex applied, per session: a {@link ConvexApp} wrapper that
 * records every committed `ingestSafe` (the events it applied are those after
 * its duplicates: a prefix, events ascend by seq; a coalesced event covers
 * seq…seqEnd), and the check that each seq 1…lastSeq of every outbox session
 * was applied exactly once. Used by the many-sessions bench and e2e tests.
 */
import { createWorld, type World } from "../chaos/harness.js";
import type { OutboxSession } from "../chaos/verify.js";
import type { ConvexApp } from "../stand-ins/convexApp.js";

/** Applied seqs per session: seq → times applied. */
export type AppliedSeqs = Map<string, Map<number, number>>;

type IngestArgs = { sessionId: string; events: Array<{ seq: number; seqEnd?: number }> };
type IngestAnswer = { ackedSeq: number; applied: number; duplicates: number };

function isIngest(args: unknown, answer: unknown): args is IngestArgs {
  const a = args as Partial<IngestArgs> | null;
  const r = answer as Partial<IngestAnswer> | null;
  return typeof a?.sessionId === "string" && Array.isArray(a.events) && typeof r?.applied === "number" && typeof r.duplicates === "number";
}

/** `t` with every committed `ingestSafe` recorded in `applied`. */
export function recordingApp(t: ConvexApp, applied: AppliedSeqs): ConvexApp {
  const record = (args: unknown, answer: unknown) => {
    if (!isIngest(args, answer)) return;
    const r = answer as IngestAnswer;
    const counts = applied.get(args.sessionId) ?? new Map<number, number>();
    applied.set(args.sessionId, counts);
    for (const event of args.events.slice(r.duplicates, r.duplicates + r.applied)) {
      for (let seq = event.seq; seq <= (event.seqEnd ?? event.seq); seq++) counts.set(seq, (counts.get(seq) ?? 0) + 1);
    }
  };
  const wrapCaller = <C extends object>(caller: C): C =>
    new Proxy(caller, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (key === "mutation" && typeof value === "function") {
          return async (ref: unknown, args: unknown) => {
            const answer = (await (value as (r: unknown, a: unknown) => Promise<unknown>).call(target, ref, args)) as unknown;
            record(args, answer);
            return answer;
          };
        }
        if (key === "withIdentity" && typeof value === "function") {
          return (identity: unknown) => wrapCaller((value as (i: unknown) => object).call(target, identity));
        }
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  return wrapCaller(t);
}

/** Seqs 1…lastSeq of each session not applied (`lost`) or applied more than once, or applied yet never stored (`doubled`). */
export function appliedProblems(sessions: readonly OutboxSession[], applied: AppliedSeqs): { lost: number; doubled: number } {
  let lost = 0;
  let doubled = 0;
  for (const session of sessions) {
    const counts = applied.get(session.sessionId) ?? new Map<number, number>();
    for (let seq = 1; seq <= session.lastSeq; seq++) {
      const count = counts.get(seq) ?? 0;
      if (count === 0) lost += 1;
      if (count > 1) doubled += count - 1;
    }
    for (const [seq, count] of counts) if (seq > session.lastSeq) doubled += count;
  }
  return { lost, doubled };
}

/**
 * A chaos-style world (see `test/chaos/harness.ts`) whose Convex app records
 * every applied seq in `applied`.
 */
export async function createRecordingWorld(modelUrl: string, applied: AppliedSeqs, extraEnv: NodeJS.ProcessEnv = {}): Promise<World> {
  return await createWorld(modelUrl, extraEnv, (t) => recordingApp(t, applied));
}
