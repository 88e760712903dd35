/**
 * One running `codex app-server` wired store-first to an outbox session: every
 * line codex prints is appended (with its seq, and with the job progress it
 * implies, in one transaction) before the JSON-RPC connection parses or
 * dispatches it; every line the bridge sends is recorded the same way before
 * it is written. The process does not own the session: when codex dies, the
 * supervisor (`jobRunner.ts`) starts another `CodexProcess` on the same session.
 */
import { spawnAppServer, type AppServer, type AppServerExit } from "./appServer.js";
import { holdWhileFull, type BackpressureOptions } from "../jobs/backpressure.js";
import { BridgeError } from "../errors.js";
import type { BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { configError, NOT_SIGNED_IN_MESSAGE, notSignedIn } from "./codexLogin.js";
import {
  getAuthStatus,
  initialize,
  initialized,
  threadResume,
  threadStart,
  type ThreadResumeResponse,
  type ThreadStartParams,
  type ThreadStartResponse,
} from "./protocol/index.js";
import type { IncomingRequest, JsonRpcId, RequestMethod, RequestOptions } from "./rpc.js";
import type { RotatingLog } from "./stderrLog.js";
import type { CodexLease } from "./codexLease.js";
import { SessionSink, type ProgressCell } from "./sessionSink.js";
import { runTurn, type CompletedTurn } from "./turnRunner.js";

export { EXIT_RECORD_STDERR_BYTES, type ProgressCell } from "./sessionSink.js";
export { TURN_FAILED_METHOD, TURN_INTERRUPT_GRACE_MS, type CompletedTurn } from "./turnRunner.js";

/** How long `initialize`, `thread/start`, `thread/resume` and `turn/start` may take to answer, in ms. */
export const CODEX_REQUEST_TIMEOUT_MS = 60_000;

/** The name and version the bridge reports to codex in `initialize`. */
export const CLIENT_INFO = { name: "codex_convex", title: "codex-convex bridge", version: "0.1.0" } as const;

/** Options of {@link CodexProcess.start}. */
export type CodexProcessOptions = {
  /** The native codex binary. */
  binaryPath: string;
  /** Working directory of codex. */
  cwd: string;
  /** Environment of codex (complete, not merged); default `process.env`. Our credentials are removed either way (`codexEnv.ts`). */
  env?: NodeJS.ProcessEnv;
  /** Extra `codex app-server` arguments. */
  codexArgs?: string[];
  outbox: Outbox;
  /** The outbox session every line goes to (claimed by the caller). */
  sessionId: string;
  progress: ProgressCell;
  /** Called after each store (the pusher's `kick`). */
  onStored?: () => void;
  /** Where codex's stderr goes; default: drained, only its tail kept. */
  stderrLog?: RotatingLog;
  /** Answers server requests; default {@link declineServerRequest}. */
  onServerRequest?: (request: IncomingRequest, codex: CodexLease) => void;
  /** When to stop reading codex while the outbox is nearly full; see `backpressure.ts`. */
  backpressure?: BackpressureOptions;
  /** How long a turn may go with codex retrying the model and no progress, in ms; default `CODEX_RETRY_TIMEOUT_MS`. */
  retryTimeoutMs?: number;
  /** Where codex's errors are reported as they arrive (see `turnWatch.ts`). */
  log?: BridgeLog;
};

/** Approval requests of codex 0.169 and the answer that declines each. */
const DECLINE: Record<string, unknown> = {
  "item/commandExecution/requestApproval": { decision: "decline" },
  "item/fileChange/requestApproval": { decision: "decline" },
  execCommandApproval: { decision: "denied" },
  applyPatchApproval: { decision: "denied" },
};

/** A running codex app-server bound to one outbox session. */
export class CodexProcess implements CodexLease {
  private reading = true;
  private closeError: Error | undefined;
  private readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (error: Error | undefined) => void;
  private readonly listeners = new Set<(method: string, params: unknown) => void>();
  private server!: AppServer;
  private loginChecked: Promise<void> | undefined;
  private readonly sink: SessionSink;

  private constructor(private readonly options: CodexProcessOptions) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    this.sink = new SessionSink(options);
  }

  /**
   * Spawns codex with the store-first hooks and sends `initialize`.
   * @throws BridgeError `CODEX_SPAWN_FAILED` when codex cannot start;
   *   `RPC_ERROR`/`RPC_TIMEOUT`/`RPC_CLOSED` when `initialize` fails.
   */
  static async start(options: CodexProcessOptions): Promise<CodexProcess> {
    const codex = new CodexProcess(options);
    await codex.spawn();
    return codex;
  }

  /** The process id of codex. */
  get pid(): number | undefined {
    return this.server.child.pid;
  }

  /** Resolves when codex exited and all of its stdout was read (and stored). Never rejects. */
  get exited(): Promise<AppServerExit> {
    return this.server.exited;
  }

  /** The last bytes codex wrote to stderr. */
  stderrTail(): string {
    return this.server.stderrTail();
  }

  /**
   * Sends any request to codex (the line is stored in the outbox first).
   * @throws BridgeError `RPC_ERROR` (codex refused), `RPC_TIMEOUT`, `RPC_CLOSED`.
   */
  request<Params, Result>(method: RequestMethod<Params, Result>, params: Params, options?: RequestOptions): Promise<Result> {
    return this.server.connection.request(method, params, options);
  }

  /**
   * Calls `listener` with every notification codex sends from now on (after it was stored).
   * @returns a function that removes the listener.
   */
  onNotification(listener: (method: string, params: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts a thread (`thread/start`).
   * @throws BridgeError `CODEX_CONFIG_INVALID` when codex cannot load its config.toml; `RPC_ERROR`/`RPC_TIMEOUT`/`RPC_CLOSED`.
   */
  startThread(params: ThreadStartParams): Promise<ThreadStartResponse> {
    return this.server.connection.request(threadStart, params).catch((error: unknown) => {
      throw configError(error, this.options.env) ?? error;
    });
  }

  /**
   * Reopens a stored thread (`thread/resume`).
   * @throws BridgeError `CODEX_CONFIG_INVALID` when codex cannot load its config.toml; `RPC_ERROR` (e.g. no rollout), `RPC_TIMEOUT`, `RPC_CLOSED`.
   */
  resumeThread(threadId: string, cwd: string): Promise<ThreadResumeResponse> {
    return this.server.connection.request(threadResume, { threadId, cwd, excludeTurns: true }).catch((error: unknown) => {
      throw configError(error, this.options.env) ?? error;
    });
  }

  /**
   * Before this process's first turn: asks codex how it is signed in
   * (`getAuthStatus`, no token in the answer). A provider that needs an
   * OpenAI login without one would only retry, so the turn is not started.
   * @throws BridgeError `CODEX_NOT_SIGNED_IN` with what to do; `RPC_*` when codex does not answer.
   */
  private async requireLogin(): Promise<void> {
    this.loginChecked ??= this.server.connection.request(getAuthStatus, { includeToken: false, refreshToken: false }).then((status) => {
      if (notSignedIn(status)) throw new BridgeError("CODEX_NOT_SIGNED_IN", NOT_SIGNED_IN_MESSAGE);
    });
    return this.loginChecked;
  }

  /**
   * Starts a turn with a text prompt and resolves when codex reports
   * `turn/completed` for it; before this process's first turn, checks codex
   * is signed in (when its provider needs it). codex's `error` notifications of the turn go to
   * the log as they arrive. When codex keeps retrying the model with no
   * progress for `retryTimeoutMs`, the turn is recorded failed with the reason
   * (`bridge/turnFailed`, so Convex shows it) and interrupted.
   * @returns the completed turn (status completed, interrupted or failed;
   *   `failed` with the reason when the bridge gave up on it) and its answer.
   * @throws BridgeError `CODEX_NOT_SIGNED_IN` before any turn when codex has
   *   no login its provider needs; `CODEX_EXITED` when codex exits first (after all its
   *   output was stored); `RPC_CLOSED` when the bridge stopped reading (its
   *   cause says why, e.g. `OUTBOX_FULL`); `RPC_ERROR` when `turn/start` is
   *   refused; `CODEX_MODEL_UNREACHABLE` when a stalled turn does not end
   *   within {@link TURN_INTERRUPT_GRACE_MS} of `turn/interrupt`.
   */
  runTurn(threadId: string, prompt: string): Promise<CompletedTurn> {
    return runTurn(
      {
        request: (method, params, options) => this.request(method, params, options),
        onNotification: (listener) => this.onNotification(listener),
        lost: (when) =>
          Promise.race([
            this.server.exited.then((exit) => this.exitError(exit, when)),
            this.closed.then(
              (error) =>
                new BridgeError("RPC_CLOSED", `Stopped reading codex ${when}: ${error?.message ?? "stream ended"}.`, {
                  cause: error,
                }),
            ),
          ]),
        requireLogin: () => this.requireLogin(),
        storeBridgeLine: (method, params) => this.sink.storeBridgeLine(method, params),
        retryTimeoutMs: this.options.retryTimeoutMs,
        log: this.options.log,
      },
      threadId,
      prompt,
    );
  }

  /**
   * Stops reading codex (nothing it prints after this is stored or acted on),
   * then stops it: stdin closed, SIGTERM, SIGKILL, `graceMs` apart.
   * @param reason - Why; becomes the close error of pending requests.
   */
  async stop(reason: string, graceMs?: number): Promise<AppServerExit> {
    this.stopReading(new BridgeError("CODEX_EXITED", reason));
    return this.server.shutdown(graceMs);
  }

  /** Shuts codex down politely, still storing what it prints until it exits. */
  shutdown(graceMs?: number): Promise<AppServerExit> {
    return this.server.shutdown(graceMs);
  }

  /** An error for codex's exit, with its stderr tail. */
  exitError(exit: AppServerExit, when: string): BridgeError {
    return new BridgeError(
      "CODEX_EXITED",
      `codex exited (code ${exit.code}, signal ${exit.signal}) ${when}. ` +
        `Its stderr ended with: ${this.stderrTail().slice(-500).trim() || "(nothing)"}`,
    );
  }

  private stopReading(error: Error): void {
    if (!this.reading) return;
    this.reading = false;
    this.server.connection.close(error);
    this.server.child.stdout.resume(); // discard the rest, so the exit is still observed
  }

  private async spawn(): Promise<void> {
    const { outbox } = this.options;
    const store = (lines: string[], origin: "codex" | "bridge") => {
      if (!this.reading) throw this.closeError ?? new BridgeError("CODEX_EXITED", "The bridge stopped reading codex.");
      this.sink.store(lines, origin);
    };
    this.server = await spawnAppServer({
      binaryPath: this.options.binaryPath,
      cwd: this.options.cwd,
      env: this.options.env,
      args: this.options.codexArgs,
      onStderr: this.options.stderrLog ? (chunk) => this.options.stderrLog?.write(chunk) : undefined,
      rpc: {
        defaultTimeoutMs: CODEX_REQUEST_TIMEOUT_MS,
        onRawLines: (lines) => {
          store(lines, "codex");
          holdWhileFull(this.server.child.stdout, outbox, this.options.backpressure, this.options.log);
        },
        onSentLine: (line) => store([line], "bridge"),
        onOversizeLine: (report) =>
          store([JSON.stringify({ method: "bridge/lineTooLong", params: { ...report } })], "bridge"),
        onNotification: (method, params) => {
          for (const listener of this.listeners) listener(method, params);
        },
        onServerRequest: (request) => (this.options.onServerRequest ?? declineServerRequest)(request, this),
        onClose: (error) => {
          this.closeError = error;
          this.resolveClosed(error);
        },
      },
    });
    void this.server.exited.then((exit) => this.recordExit(exit));
    await this.server.connection.request(initialize, { clientInfo: CLIENT_INFO, capabilities: null });
    this.server.connection.notify(initialized, undefined);
  }

  /** Records codex's exit and expires the server requests it left unanswered (see `SessionSink.recordExit`). */
  private recordExit(exit: AppServerExit): void {
    this.sink.recordExit(exit, this.stderrTail());
  }

  /**
   * The outbox seq of the line that carried server request `id` of this codex
   * (JSON-RPC ids repeat across codex restarts in one session; the seq does not).
   * @returns the seq, or undefined for an id this codex never sent.
   */
  requestSeq(id: JsonRpcId): number | undefined {
    return this.sink.requestSeq(id);
  }

  /** Answers a server request. */
  respond(request: IncomingRequest, result: unknown): void {
    this.server.connection.respond(request.id, result);
  }

  /** Answers a server request with a JSON-RPC error. */
  respondError(request: IncomingRequest, code: number, message: string): void {
    this.server.connection.respondError(request.id, { code, message });
  }
}

/** Declines approvals and refuses other server requests, so codex never waits on a bridge that cannot ask anyone. */
export function declineServerRequest(request: IncomingRequest, codex: Pick<CodexLease, "respond" | "respondError">): void {
  const answer = DECLINE[request.method];
  if (answer !== undefined) codex.respond(request, answer);
  else codex.respondError(request, -32601, `codex-convex cannot answer ${request.method} in this mode.`);
}
