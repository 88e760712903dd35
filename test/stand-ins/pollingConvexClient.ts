/**
 * A local test stand-in for `ConvexReactClient`: it answers `convex/react`'s
 * `watchQuery` by polling the loopback HTTP stand-in (convexHttpStandIn.ts)
 * with `ConvexHttpClient`, so the example page and the hooks run unchanged in
 * a real browser where no Convex backend (and no websocket sync) exists.
 *
 * It is not a Convex client: no optimistic updates, no consistency across
 * queries, updates arrive every `pollMs` instead of pushed.
 */
import { ConvexHttpClient } from "convex/browser";
import { getFunctionName, type FunctionReference } from "convex/server";
import type { Value } from "convex/values";

/** How often each watched query is asked again, in ms. */
export const DEFAULT_POLL_MS = 150;

type Entry = {
  query: FunctionReference<"query">;
  args: Record<string, Value>;
  listeners: Set<() => void>;
  result?: { value: Value } | { error: Error };
  serialized?: string;
};

export class PollingConvexClient {
  private readonly http: ConvexHttpClient;
  private readonly entries = new Map<string, Entry>();
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param url - The HTTP stand-in's URL (`http://127.0.0.1:PORT`).
   * @param options.authToken - Sent as `Bearer` token (the stand-in maps it to an identity).
   * @param options.pollMs - Poll interval in ms (default {@link DEFAULT_POLL_MS}).
   */
  constructor(url: string, options: { authToken?: string; pollMs?: number } = {}) {
    this.http = new ConvexHttpClient(url, { logger: false });
    if (options.authToken) this.http.setAuth(options.authToken);
    this.timer = setInterval(() => void this.pollAll(), options.pollMs ?? DEFAULT_POLL_MS);
  }

  private key(query: FunctionReference<"query">, args: Record<string, Value>): string {
    return `${getFunctionName(query)}:${JSON.stringify(args)}`;
  }

  private async poll(entry: Entry): Promise<void> {
    let result: Entry["result"];
    try {
      result = { value: (await this.http.query(entry.query, entry.args)) as Value };
    } catch (error) {
      result = { error: error instanceof Error ? error : new Error(String(error)) };
    }
    const serialized = "value" in result ? JSON.stringify(result.value) : `error:${result.error.message}`;
    if (serialized === entry.serialized) return;
    entry.result = result;
    entry.serialized = serialized;
    for (const listener of entry.listeners) listener();
  }

  private async pollAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => this.poll(entry)));
  }

  /** What `convex/react` calls for `useQuery`/`useQueries`: a watch on one query. */
  watchQuery(query: FunctionReference<"query">, args: Record<string, Value> = {}) {
    const key = this.key(query, args);
    return {
      onUpdate: (callback: () => void) => {
        let entry = this.entries.get(key);
        if (!entry) {
          entry = { query, args, listeners: new Set() };
          this.entries.set(key, entry);
          void this.poll(entry);
        }
        entry.listeners.add(callback);
        return () => {
          entry.listeners.delete(callback);
          if (entry.listeners.size === 0) this.entries.delete(key);
        };
      },
      localQueryResult: (): Value | undefined => {
        const result = this.entries.get(key)?.result;
        if (result && "error" in result) throw result.error;
        return result?.value;
      },
      localQueryLogs: () => undefined,
      journal: () => undefined,
    };
  }

  /** Runs a mutation through the stand-in. */
  mutation(mutation: FunctionReference<"mutation">, args: Record<string, Value> = {}): Promise<unknown> {
    return this.http.mutation(mutation, args);
  }

  /** Runs a query once through the stand-in. */
  query(query: FunctionReference<"query">, args: Record<string, Value> = {}): Promise<unknown> {
    return this.http.query(query, args);
  }

  /** Stops polling. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
