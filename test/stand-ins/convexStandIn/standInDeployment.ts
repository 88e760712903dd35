/**
 * The in-memory app (convex-test) as the stand-in's HTTP API and WebSocket
 * both see it: runs a public function by path as an identity, and keeps the
 * stand-in's write clock.
 *
 * The clock is a counter, not Convex's commit timestamps: it moves by one
 * after every successful mutation, every action and every {@link
 * StandInDeployment.recordWrite}, and listeners (the WebSocket connections)
 * hear each move. Mutations and {@link StandInDeployment.readAtLatest} take
 * turns, so a batch of subscribed queries read together sees exactly the
 * writes up to one clock value. Writes this object does not run (scheduled
 * functions, mutations inside actions while they run, calls made on the
 * convex-test app directly) are not ordered against it; call `recordWrite`
 * after them, or rely on the periodic rescan of the WebSocket stand-in.
 */
import { makeFunctionReference } from "convex/server";
import { ConvexError, convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { ConvexApp } from "../convexApp.js";
import type { StandInIdentity } from "./standInAuth.js";

export type FunctionKind = "query" | "mutation" | "action";

/** A function's outcome as the wire carries it. Log lines are not captured (always empty). */
export type Outcome =
  | { success: true; value: JSONValue; logLines: string[] }
  | { success: false; errorMessage: string; errorData?: JSONValue; logLines: string[] };

/** Path of a root-app function as the clients send it (`module:export`, `.js` optional). */
const FUNCTION_PATH = /^[A-Za-z0-9_/.-]+:[A-Za-z_$][A-Za-z0-9_$]*$/;

function failure(error: unknown): Outcome {
  const errorData = error instanceof ConvexError ? convexToJson((error.data ?? null) as Value) : undefined;
  return {
    success: false,
    errorMessage: error instanceof Error ? error.message : String(error),
    ...(errorData !== undefined ? { errorData } : {}),
    logLines: [],
  };
}

/**
 * `module.js:name` → `module:name`, as the convex client canonicalizes paths.
 * @throws Error when `path` is not a function path.
 */
function canonicalPath(path: string): string {
  if (!FUNCTION_PATH.test(path)) throw new Error(`"${path}" is not a function path like "module:export"`);
  const colon = path.lastIndexOf(":");
  const module = path.slice(0, colon).replace(/\.js$/, "");
  return `${module}${path.slice(colon)}`;
}

export class StandInDeployment {
  private clock = 0n;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(ts: bigint) => void>();

  /** @param t - The in-memory app from `createConvexApp`. */
  constructor(private readonly t: ConvexApp) {}

  /** The write clock's current value (0 before any write). */
  get latestTs(): bigint {
    return this.clock;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private emit(ts: bigint): void {
    for (const listener of this.listeners) listener(ts);
  }

  /**
   * Runs a public function of the root app. Never throws: a thrown error
   * (a ConvexError keeps its data) becomes a failed {@link Outcome}.
   * @param args - The wire arguments: `[convexToJson(argsObject)]`.
   * @param identity - The caller, or null when signed out.
   */
  async run(kind: FunctionKind, path: string, args: JSONValue[], identity: StandInIdentity | null): Promise<Outcome> {
    try {
      const argsObject = args.length === 0 ? {} : jsonToConvex(args[0] ?? null);
      if (args.length > 1 || typeof argsObject !== "object" || argsObject === null || Array.isArray(argsObject)) {
        throw new Error("a function takes one argument object: send args as [{...}]");
      }
      const caller = identity ? this.t.withIdentity(identity) : this.t;
      const name = canonicalPath(path);
      const objectArgs = argsObject as Record<string, Value>;
      const value =
        kind === "query"
          ? await caller.query(makeFunctionReference<"query">(name), objectArgs)
          : kind === "mutation"
            ? await caller.mutation(makeFunctionReference<"mutation">(name), objectArgs)
            : await caller.action(makeFunctionReference<"action">(name), objectArgs);
      return { success: true, value: convexToJson((value ?? null) as Value), logLines: [] };
    } catch (error) {
      return failure(error);
    }
  }

  /**
   * Runs a mutation in turn with other mutations and reads; a success moves
   * the clock, and listeners hear the new value before the returned promise settles.
   * @returns the outcome and, on success, the clock value of its write.
   */
  async mutation(path: string, args: JSONValue[], identity: StandInIdentity | null): Promise<{ outcome: Outcome; ts: bigint }> {
    const result = await this.exclusive(async () => {
      const outcome = await this.run("mutation", path, args, identity);
      if (outcome.success) this.clock += 1n;
      return { outcome, ts: this.clock };
    });
    if (result.outcome.success) this.emit(result.ts);
    return result;
  }

  /** Runs an action (not in turn: actions are not transactions), then records a write for what it may have changed. */
  async action(path: string, args: JSONValue[], identity: StandInIdentity | null): Promise<Outcome> {
    const outcome = await this.run("action", path, args, identity);
    await this.recordWrite();
    return outcome;
  }

  /**
   * Moves the clock for writes made outside this object (the app called
   * directly, scheduled functions) so WebSocket subscribers rerun their queries.
   * @returns the new clock value.
   */
  async recordWrite(): Promise<bigint> {
    const ts = await this.exclusive(async () => (this.clock += 1n));
    this.emit(ts);
    return ts;
  }

  /** Runs `read` with no mutation of this object in between; `read` gets the clock value its reads see. */
  readAtLatest<T>(read: (ts: bigint) => Promise<T>): Promise<T> {
    return this.exclusive(() => read(this.clock));
  }

  /**
   * Calls `listener` with the new clock value after every write.
   * @returns a function that stops the calls.
   */
  onWrite(listener: (ts: bigint) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
