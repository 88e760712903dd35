/**
 * The queries one client WebSocket subscribes to, and what the client last
 * received of each: `rerun` runs them all and returns the modifications of a
 * Transition (removed queries, then every result that differs from the one
 * last sent).
 */
import type { JSONValue } from "convex/values";
import type { StandInIdentity } from "./standInAuth.js";
import type { Outcome, StandInDeployment } from "./standInDeployment.js";
import type { AddQuery, StateModification } from "./syncProtocol.js";

/** Queries one connection may subscribe to at once (each reruns after every write). */
export const MAX_QUERIES_PER_CONNECTION = 1_000;

/** The answer for functions of mounted components, which only admin auth may call. */
export const COMPONENT_CALL_REFUSED: Outcome = {
  success: false,
  errorMessage: "Calling a component's functions directly needs admin auth, which the stand-in does not have.",
  logLines: [],
};

/** A query set change the protocol does not allow; the connection turns it into a FatalError. */
export class QuerySetError extends Error {}

type Subscription = { udfPath: string; args: JSONValue[]; componentPath: string | undefined; lastSent?: string };

export class QuerySet {
  private readonly queries = new Map<number, Subscription>();
  private removed: number[] = [];

  /** @throws QuerySetError when the id is taken or the set is full. */
  add(query: AddQuery): void {
    if (this.queries.has(query.queryId)) throw new QuerySetError(`query ${query.queryId} added twice`);
    if (this.queries.size >= MAX_QUERIES_PER_CONNECTION) {
      throw new QuerySetError(`over ${MAX_QUERIES_PER_CONNECTION} queries on one connection; unsubscribe some first`);
    }
    this.queries.set(query.queryId, { udfPath: query.udfPath, args: query.args, componentPath: query.componentPath });
  }

  /** @throws QuerySetError when no query has this id. */
  remove(queryId: number): void {
    if (!this.queries.delete(queryId)) throw new QuerySetError(`query ${queryId} removed but never added`);
    this.removed.push(queryId);
  }

  /**
   * Runs every query as `identity` and returns what changed since the last
   * call; from then on, the results returned count as sent.
   */
  async rerun(deployment: StandInDeployment, identity: StandInIdentity | null): Promise<StateModification[]> {
    const modifications: StateModification[] = this.removed.map((queryId) => ({ type: "QueryRemoved", queryId }));
    this.removed = [];
    for (const [queryId, query] of this.queries) {
      const outcome =
        query.componentPath === undefined
          ? await deployment.run("query", query.udfPath, query.args, identity)
          : COMPONENT_CALL_REFUSED;
      const serialized = JSON.stringify(outcome);
      if (serialized === query.lastSent) continue;
      query.lastSent = serialized;
      modifications.push(
        outcome.success
          ? { type: "QueryUpdated", queryId, value: outcome.value, logLines: [], journal: null }
          : {
              type: "QueryFailed",
              queryId,
              errorMessage: outcome.errorMessage,
              logLines: [],
              ...(outcome.errorData !== undefined ? { errorData: outcome.errorData } : {}),
              journal: null,
            },
      );
    }
    return modifications;
  }
}
