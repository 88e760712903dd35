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
 * How the bridge runs codex (`codex-convex bridge --codex-process`):
 *
 * - `shared` (the default): ONE `codex app-server` for the whole bridge; every
 *   job and browser thread leases it, its lines routed by thread id to the
 *   thread's own outbox session. Measured with the real CLI and codex 0.169
 *   (`bench/sessions.bench.ts`, N jobs × 2 turns): codex PSS 173 / 244 / 330 MiB
 *   for N = 10 / 50 / 100 against 353 / 1,242 / 2,387 MiB with a process per
 *   job, codex CPU 2.5 / 10.8 / 22.5 s against 3.7 / 19.5 / 39.2 s, the same
 *   bridge memory and CPU, nothing lost or doubled in either. The price is isolation: a codex crash or hang cuts off every
 *   running turn at once (each is recorded failed, codex restarted, every
 *   thread resumed with `thread/resume`; jobs rerun the cut-off prompt), and
 *   every thread shares codex's one process, environment and stdio pipe. An
 *   outbox that refuses one session's lines (`OUTBOX_FULL`) still stops only
 *   that thread.
 * - `per-job`: one `codex app-server` per job or browser thread: a crash, a
 *   hang or a full pipe touches one thread; each costs ~24–35 MiB of PSS and
 *   spawns its own helper processes.
 */
export type CodexProcessMode = "shared" | "per-job";

/** The mode `codex-convex bridge` runs when `--codex-process` is not given: `shared`, from the figures above. */
export const DEFAULT_CODEX_PROCESS_MODE: CodexProcessMode = "shared";

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
