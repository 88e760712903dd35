/**
 * Mutation responses remembered per client session, so a mutation the client
 * sends again after a reconnect (it resends every mutation it has not seen
 * reflected in a transition) runs once and gets its first answer again, as a
 * Convex deployment dedupes by session id and request id.
 *
 * Bounded: the newest {@link MAX_REMEMBERED_SESSIONS} sessions, the newest
 * {@link MAX_REMEMBERED_MUTATIONS_PER_SESSION} mutations of each.
 */
import type { ServerMessage } from "./syncProtocol.js";

/** Client sessions whose mutation answers are kept. */
export const MAX_REMEMBERED_SESSIONS = 1_000;
/** Mutation answers kept per session. */
export const MAX_REMEMBERED_MUTATIONS_PER_SESSION = 1_000;

export type MutationAnswer = { response: Extract<ServerMessage, { type: "MutationResponse" }>; ts: bigint | null };

function rememberBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as K);
}

export class RememberedMutations {
  private readonly sessions = new Map<string, Map<number, Promise<MutationAnswer>>>();

  /**
   * The answer to mutation `requestId` of `sessionId`: the remembered one if
   * the session sent it before (still running or done), else `run()`'s, remembered.
   */
  answer(sessionId: string, requestId: number, run: () => Promise<MutationAnswer>): Promise<MutationAnswer> {
    let session = this.sessions.get(sessionId);
    if (session === undefined) session = new Map();
    rememberBounded(this.sessions, sessionId, session, MAX_REMEMBERED_SESSIONS);
    const remembered = session.get(requestId);
    if (remembered !== undefined) return remembered;
    const answer = run();
    rememberBounded(session, requestId, answer, MAX_REMEMBERED_MUTATIONS_PER_SESSION);
    return answer;
  }
}
