/**
 * One job's or browser thread's share of the bridge's shared codex (see
 * `sharedProcess.ts`): the same {@link CodexLease} as a process of its own,
 * with its lines stored in its own outbox session. Ending a lease does not end
 * the process: `stop` records nothing more in the session, interrupts the
 * running turn and unsubscribes the thread; `shutdown` only unsubscribes.
 */
import type { AppServerExit } from "./appServer.js";
import { BridgeError } from "../errors.js";
import type { CodexLease } from "./codexLease.js";
import { declineServerRequest, type CodexProcessOptions } from "./codexProcess.js";
import { configError } from "./codexLogin.js";
import { THREAD_CREATING_METHODS } from "./lineRouter.js";
import {
  threadResume,
  threadStart,
  turnInterrupt,
  type ThreadResumeResponse,
  type ThreadStartParams,
  type ThreadStartResponse,
} from "./protocol/index.js";
import { requestMethod, type IncomingRequest, type JsonRpcId, type RequestMethod, type RequestOptions } from "./rpc.js";
import { SessionSink } from "./sessionSink.js";
import type { SharedProcess } from "./sharedProcess.js";
import { runTurn, type CompletedTurn } from "./turnRunner.js";

/** How long a lease that ends waits for codex to confirm the interrupt and the unsubscribe, in ms. */
export const LEASE_RELEASE_TIMEOUT_MS = 5_000;

/** `thread/unsubscribe`: codex stops sending this connection the thread's events, and unloads it when nobody else listens. */
export const threadUnsubscribe = requestMethod<{ threadId: string }, { status: string }>("thread/unsubscribe");

/** The exit a lease reports when it ended and the process went on. */
const RELEASED: AppServerExit = { code: null, signal: null };

/** See the module comment. */
export class SharedLease implements CodexLease {
  /** Where this lease's lines are stored. */
  readonly sink: SessionSink;
  private releasedFor: string | null = null;
  private dead = false;
  private ending: Promise<AppServerExit> | null = null;
  private readonly listeners = new Set<(method: string, params: unknown) => void>();
  private resolveExited!: (exit: AppServerExit) => void;
  private resolveClosed!: (error: BridgeError) => void;
  /** See {@link CodexLease.exited}. */
  readonly exited = new Promise<AppServerExit>((resolve) => (this.resolveExited = resolve));
  private readonly closed = new Promise<BridgeError>((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly process: SharedProcess,
    private readonly options: CodexProcessOptions,
  ) {
    this.sink = new SessionSink(options);
    void process.closed.then((error) =>
      this.resolveClosed(
        new BridgeError("RPC_CLOSED", `The shared codex connection closed: ${error?.message ?? "stream ended"}.`, error ? { cause: error } : undefined),
      ),
    );
  }

  /** Why the lease ended, or null while it runs. */
  get released(): string | null {
    return this.releasedFor;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  request<Params, Result>(method: RequestMethod<Params, Result>, params: Params, options?: RequestOptions): Promise<Result> {
    if (this.releasedFor !== null || this.dead) {
      return Promise.reject(new BridgeError("RPC_CLOSED", `This thread's lease on the shared codex ended (${this.releasedFor ?? "codex exited"}); it cannot send ${method.method}.`));
    }
    const send = () => this.process.sendAs(this, (connection) => connection.request(method, params, options));
    return THREAD_CREATING_METHODS.has(method.method) ? this.process.creating(send) : send();
  }

  onNotification(listener: (method: string, params: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  startThread(params: ThreadStartParams): Promise<ThreadStartResponse> {
    return this.request(threadStart, params).catch((error: unknown) => {
      throw configError(error, this.options.env) ?? error;
    });
  }

  resumeThread(threadId: string, cwd: string): Promise<ThreadResumeResponse> {
    this.process.router.bind(threadId, this);
    return this.request(threadResume, { threadId, cwd, excludeTurns: true }).catch((error: unknown) => {
      throw configError(error, this.options.env) ?? error;
    });
  }

  runTurn(threadId: string, prompt: string): Promise<CompletedTurn> {
    return runTurn(
      {
        request: (method, params, options) => this.request(method, params, options),
        onNotification: (listener) => this.onNotification(listener),
        lost: (when) => Promise.race([this.exited.then((exit) => this.exitError(exit, when)), this.closed]),
        requireLogin: () => this.process.requireLogin(this),
        storeBridgeLine: (method, params) => this.sink.storeBridgeLine(method, params),
        retryTimeoutMs: this.options.retryTimeoutMs,
        log: this.options.log,
      },
      threadId,
      prompt,
    );
  }

  /** Ends the lease at once: nothing more is stored in its session; the running turn is interrupted, the thread unsubscribed. */
  stop(reason: string): Promise<AppServerExit> {
    return this.end(reason, true);
  }

  /** Ends the lease after its work: the thread is unsubscribed (its last lines still go to its session). */
  shutdown(): Promise<AppServerExit> {
    return this.end("its work is done", false);
  }

  exitError(exit: AppServerExit, when: string): BridgeError {
    if (!this.dead && this.releasedFor !== null) {
      return new BridgeError("CODEX_EXITED", `This thread left the shared codex (${this.releasedFor}) ${when}.`);
    }
    return new BridgeError(
      "CODEX_EXITED",
      `The shared codex exited (code ${exit.code}, signal ${exit.signal}) ${when}. ` +
        `Its stderr ended with: ${this.stderrTail().slice(-500).trim() || "(nothing)"}`,
    );
  }

  stderrTail(): string {
    return this.process.stderrTail();
  }

  respond(request: IncomingRequest, result: unknown): void {
    this.process.sendAs(this, (connection) => connection.respond(request.id, result));
  }

  respondError(request: IncomingRequest, code: number, message: string): void {
    this.process.sendAs(this, (connection) => connection.respondError(request.id, { code, message }));
  }

  requestSeq(id: JsonRpcId): number | undefined {
    return this.sink.requestSeq(id);
  }

  /** Hands a notification of this lease's threads (already stored) to the listeners. */
  deliver(method: string, params: unknown): void {
    if (this.releasedFor !== null) return;
    for (const listener of this.listeners) listener(method, params);
  }

  /** Hands a server request of this lease's threads (already stored) to its handler; default: declined. */
  serverRequest(request: IncomingRequest): void {
    (this.options.onServerRequest ?? declineServerRequest)(request, this);
  }

  /**
   * The lease's session refused its lines (they were not stored, so they are
   * not acted on): the lease ends at once with that error as the cause of its
   * close, as a process of its own stops reading; its holder stops it
   * (`JobRunner` on `OUTBOX_FULL`), which interrupts the thread's turn.
   */
  failStore(error: Error): void {
    if (this.releasedFor !== null || this.dead) return;
    this.releasedFor = `its session refused codex's lines: ${error.message}`;
    this.resolveClosed(new BridgeError("RPC_CLOSED", `Stopped reading codex for this thread: ${error.message}.`, { cause: error }));
  }

  /** The process died under this lease: records it in the session (see `SessionSink.recordExit`) and ends the lease. */
  died(exit: AppServerExit, stderrTail: string): void {
    if (this.dead || this.releasedFor !== null) return;
    this.dead = true;
    this.sink.recordExit(exit, stderrTail);
    this.resolveClosed(this.exitError(exit, "while this thread ran on it"));
    this.resolveExited(exit);
  }

  private end(reason: string, interrupt: boolean): Promise<AppServerExit> {
    this.ending ??= (async () => {
      if (this.dead) return this.exited;
      const threads = this.process.router.threadsOf(this);
      const { activeTurn, threadId } = this.options.progress.get();
      if (interrupt) {
        // Like a stopped codex: nothing more goes to the session (the running turn is recorded failed by the caller).
        this.releasedFor = reason;
        this.resolveClosed(new BridgeError("RPC_CLOSED", `The thread left the shared codex: ${reason}.`));
      }
      // Sent as this lease (stored in its session); what codex answers after a stop is kept wrapped in the bridge-level session.
      const sends: Array<Promise<unknown>> = [];
      const send = <P, R>(method: RequestMethod<P, R>, params: P) =>
        sends.push(this.process.sendAs(this, (c) => c.request(method, params, { timeoutMs: LEASE_RELEASE_TIMEOUT_MS })).catch(() => undefined));
      if (this.process.alive) {
        if (interrupt && activeTurn && threadId) send(turnInterrupt, { threadId, turnId: activeTurn.turnId });
        for (const thread of threads) send(threadUnsubscribe, { threadId: thread });
        await Promise.all(sends);
      }
      this.releasedFor ??= reason;
      this.process.detach(this);
      if (this.dead) return this.exited;
      this.sink.expirePending(`the thread left the shared codex (${reason}) before the request was answered`);
      this.resolveClosed(new BridgeError("RPC_CLOSED", `The thread left the shared codex: ${reason}.`));
      this.resolveExited(RELEASED);
      return RELEASED;
    })();
    return this.ending;
  }
}
