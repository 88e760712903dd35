/**
 * A `ConvexClient.onUpdate` subscription a test or benchmark can wait on:
 * "the next result that satisfies this", "the next error".
 */
import type { ConvexClient } from "convex/browser";
import type { FunctionArgs, FunctionReference, FunctionReturnType } from "convex/server";

/** How long `next` / `nextError` wait by default, in ms. */
export const DEFAULT_WATCH_TIMEOUT_MS = 20_000;

export type QueryWatch<Result> = {
  /** The client's current value (with optimistic updates), or undefined before the first result. */
  current(): Result | undefined;
  /**
   * The first result, the current one included, for which `matches` is true.
   * @throws Error after `timeoutMs` (default {@link DEFAULT_WATCH_TIMEOUT_MS}), naming the last result seen.
   */
  next(matches: (result: Result) => boolean, timeoutMs?: number): Promise<Result>;
  /** The current or next error of the query; throws like `next` after `timeoutMs`. */
  nextError(timeoutMs?: number): Promise<Error>;
  /** Ends the subscription. */
  stop(): void;
};

/** Subscribes to `query(args)` on `client`. */
export function watchQuery<Query extends FunctionReference<"query">>(
  client: ConvexClient,
  query: Query,
  args: FunctionArgs<Query>,
): QueryWatch<FunctionReturnType<Query>> {
  type Result = FunctionReturnType<Query>;
  let latest: { value: Result } | { error: Error } | undefined;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const unsubscribe = client.onUpdate(
    query,
    args,
    (value) => {
      latest = { value };
      notify();
    },
    (error) => {
      latest = { error };
      notify();
    },
  );
  function wait<T>(pick: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const picked = pick();
        if (picked === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(picked);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        const last = latest === undefined ? "nothing" : "error" in latest ? `error ${latest.error.message}` : JSON.stringify(latest.value);
        reject(new Error(`no ${what} within ${timeoutMs} ms; last seen: ${last.slice(0, 300)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }
  return {
    current: () => unsubscribe.getCurrentValue(),
    next: (matches, timeoutMs = DEFAULT_WATCH_TIMEOUT_MS) =>
      wait(() => (latest && "value" in latest && matches(latest.value) ? latest.value : undefined), "matching result", timeoutMs),
    nextError: (timeoutMs = DEFAULT_WATCH_TIMEOUT_MS) =>
      wait(() => (latest && "error" in latest ? latest.error : undefined), "error", timeoutMs),
    stop: () => unsubscribe(),
  };
}
