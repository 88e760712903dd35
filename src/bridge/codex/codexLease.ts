/**
 * What a job or a browser thread holds of codex while it runs: a lease. In
 * `per-job` mode the lease is a whole `codex app-server` of its own
 * (`CodexProcess`); in `shared` mode it is a share of the bridge's one
 * app-server (`SharedCodex`), its lines routed to and from the holder's outbox
 * session by thread id. Jobs (`jobRunner.ts`) and the serve loop
 * (`serveThread.ts`) speak only to this interface, so they do not care which
 * mode runs.
 */
import type { BridgeError } from "../errors.js";
import type { AppServerExit } from "./appServer.js";
import type { CodexProcessOptions, CompletedTurn } from "./codexProcess.js";
import type { ThreadResumeResponse, ThreadStartParams, ThreadStartResponse } from "./protocol/index.js";
import type { IncomingRequest, JsonRpcId, RequestMethod, RequestOptions } from "./rpc.js";

/**
 * How the bridge runs codex:
 * - `per-job`: one `codex app-server` per job or browser thread (isolation: a
 *   crash, a hang or a full pipe touches one thread);
 * - `shared`: one `codex app-server` for the whole bridge, every thread on its
 *   one connection (about a third of the memory and ~40% less CPU from 50
 *   threads on; a codex crash cuts off every running turn at once, each is
 *   recorded failed and its thread resumed on the restarted process).
 */
export type CodexProcessMode = "shared" | "per-job";

/** The mode `codex-convex bridge` runs when `--codex-process` is not given (see the README's trade-off). */
export const DEFAULT_CODEX_PROCESS_MODE: CodexProcessMode = "per-job";

/** Every {@link CodexProcessMode}, for `--codex-process`. */
export const CODEX_PROCESS_MODES: readonly CodexProcessMode[] = ["shared", "per-job"];

/** One thread's (or job's) hold on codex; see the module comment. */
export interface CodexLease {
  /** The process id of the codex this lease runs on (shared: the one process of the bridge). */
  readonly pid: number | undefined;
  /**
   * Resolves when this lease can no longer reach codex: its codex exited (after
   * all of its output was stored and `bridge/codexExited` recorded), or the
   * lease was stopped or shut down. Never rejects.
   */
  readonly exited: Promise<AppServerExit>;
  /**
   * Sends any request to codex (the line is stored in the holder's session first).
   * @throws BridgeError `RPC_ERROR` (codex refused), `RPC_TIMEOUT`, `RPC_CLOSED`.
   */
  request<Params, Result>(method: RequestMethod<Params, Result>, params: Params, options?: RequestOptions): Promise<Result>;
  /**
   * Calls `listener` with every notification of this holder's threads from now on (after it was stored).
   * @returns a function that removes the listener.
   */
  onNotification(listener: (method: string, params: unknown) => void): () => void;
  /**
   * Starts a thread (`thread/start`).
   * @throws BridgeError `CODEX_CONFIG_INVALID` when codex cannot load its config.toml; `RPC_ERROR`/`RPC_TIMEOUT`/`RPC_CLOSED`.
   */
  startThread(params: ThreadStartParams): Promise<ThreadStartResponse>;
  /**
   * Reopens a stored thread (`thread/resume`).
   * @throws BridgeError `CODEX_CONFIG_INVALID`; `RPC_ERROR` (e.g. no rollout), `RPC_TIMEOUT`, `RPC_CLOSED`.
   */
  resumeThread(threadId: string, cwd: string): Promise<ThreadResumeResponse>;
  /**
   * Runs one turn to its end; see `CodexProcess.runTurn` for the errors.
   * @returns the completed turn and its answer.
   */
  runTurn(threadId: string, prompt: string): Promise<CompletedTurn>;
  /**
   * Stops at once: nothing codex prints for this holder afterwards is stored
   * in its session. Per job: codex is stopped; shared: the running turn is
   * interrupted and the thread unsubscribed, the process goes on.
   * @param reason - Why; becomes the close error of pending requests.
   */
  stop(reason: string, graceMs?: number): Promise<AppServerExit>;
  /** Ends the lease politely once its work is done (per job: codex exits; shared: the thread is unsubscribed). */
  shutdown(graceMs?: number): Promise<AppServerExit>;
  /** An error for the end of this lease, with codex's stderr tail. */
  exitError(exit: AppServerExit, when: string): BridgeError;
  /** The last bytes codex wrote to stderr. */
  stderrTail(): string;
  /** Answers a server request of this holder's threads. */
  respond(request: IncomingRequest, result: unknown): void;
  /** Answers a server request with a JSON-RPC error. */
  respondError(request: IncomingRequest, code: number, message: string): void;
  /** The outbox seq of the line that carried server request `id`, or undefined for an id never seen. */
  requestSeq(id: JsonRpcId): number | undefined;
}

/**
 * Gives a job or a thread its lease on codex.
 * @throws BridgeError `CODEX_SPAWN_FAILED` when codex cannot start; `CODEX_EXITED`
 *   when the shared codex died more often than it may be restarted; `RPC_*` when `initialize` fails.
 */
export type CodexLauncher = (options: CodexProcessOptions) => Promise<CodexLease>;
