/**
 * Supervises codex for one job: starts codex on the job's session, starts or
 * resumes the job's thread, and runs the remaining prompts one turn at a time.
 *
 * - codex exits mid-turn → the turn is recorded failed with the reason
 *   (`bridge/turnFailed`), codex is restarted (with backoff, at most
 *   `maxCodexRestarts` times), the thread resumed with `thread/resume`, and the
 *   cut-off prompt run again; after `maxTurnAttempts` codex deaths on one
 *   prompt the job fails (turns cut off by a stopped or killed bridge do not count);
 * - a turn codex itself completes as failed or interrupted is not retried;
 * - stop (SIGINT/SIGTERM) → stop reading codex, stop it, record the running
 *   turn failed; the prompt runs again when the job is given again;
 * - the outbox refuses a write (`OUTBOX_FULL`, see `backpressure.ts`) → codex is
 *   stopped, the turn recorded failed with that reason, and the job fails.
 */
import path from "node:path";
import { CodexProcess, type CodexProcessOptions } from "../codex/codexProcess.js";
import type { CodexLauncher, CodexLease } from "../codex/codexLease.js";
import { BridgeError, isBridgeError, type BridgeErrorCode } from "../errors.js";
import type { BackpressureOptions } from "./backpressure.js";
import type { Job } from "./jobs.js";
import { SILENT_LOG, type BridgeLog } from "../log.js";
import type { TurnRef } from "./progress.js";
import { rpcErrorDetails } from "../codex/rpc.js";
import type { SessionHandle } from "./sessionHandle.js";
import { RotatingLog } from "../codex/stderrLog.js";

/** Most codex restarts per job run before the job fails. */
export const MAX_CODEX_RESTARTS = 5;

/** Most times one prompt may be cut off by a crash before the job fails. */
export const MAX_TURN_ATTEMPTS = 3;

/** Wait before the first codex restart, in ms; doubled for each further one. */
export const CODEX_RESTART_DELAY_MS = 250;

/** How long codex gets to exit at each stop step (stdin closed, SIGTERM, SIGKILL), in ms. */
export const CODEX_STOP_GRACE_MS = 2_000;

/** How long a failed request waits for codex's exit to tell a crash from other failures, in ms. */
export const CODEX_EXIT_WAIT_MS = 3_000;

/** Method of the bridge record written when a thread that cannot be resumed is replaced by a new one. */
export const THREAD_REPLACED_METHOD = "bridge/threadReplaced";

/** How one turn ended. */
export type TurnReport = {
  /** Index of the prompt (0-based). */
  prompt: number;
  turnId: string;
  /** codex's status: `completed`, `failed` or `interrupted`. */
  status: string;
  error: string | null;
  /** The turn's final agent message, or null (see `CompletedTurn.answer`). */
  answer: string | null;
  /** From `turn/start` to `turn/completed`, in ms. */
  durationMs: number;
};

/** Where a job is: `skipped` means it had finished in an earlier run. */
export type JobState = "queued" | "running" | "completed" | "failed" | "stopped" | "skipped";

/** What {@link JobRunner.run} did. */
export type JobResult = {
  jobId: string;
  sessionId: string;
  threadId: string | null;
  state: JobState;
  /** Turns run by this process, in order. */
  turns: TurnReport[];
  codexRestarts: number;
  /** Why the job failed or stopped, or null. */
  error: string | null;
  /** The code of that error when it was a `BridgeError`, or null. */
  errorCode: BridgeErrorCode | null;
};

/** Options of {@link JobRunner}. */
export type JobRunnerOptions = {
  job: Job;
  /** The job's claimed session. */
  handle: SessionHandle;
  binaryPath: string;
  codexEnv?: NodeJS.ProcessEnv;
  codexArgs?: string[];
  /** Directory of the codex stderr logs (`codex-<session>.log`, rotated); default: not kept. */
  logDir?: string;
  backpressure?: BackpressureOptions;
  log?: BridgeLog;
  /** Default {@link MAX_CODEX_RESTARTS}. */
  maxCodexRestarts?: number;
  /** Default {@link MAX_TURN_ATTEMPTS}. */
  maxTurnAttempts?: number;
  /** Default {@link CODEX_RESTART_DELAY_MS}. */
  restartDelayMs?: number;
  /** Answers codex's server requests; default: declined at once (`declineServerRequest`). */
  onServerRequest?: CodexProcessOptions["onServerRequest"];
  /** How long a turn may go with codex retrying the model and no progress, in ms; default `CODEX_RETRY_TIMEOUT_MS`. */
  retryTimeoutMs?: number;
  /** Where the job gets codex (`--codex-process`); default a process of its own (`CodexProcess.start`). */
  launch?: CodexLauncher;
};

/** Runs one job; see the module comment. */
export class JobRunner {
  state: JobState = "queued";
  private codex: CodexLease | undefined;
  private stopping: string | null = null;
  private restarts = 0;
  private readonly turns: TurnReport[] = [];
  private readonly log: BridgeLog;
  private readonly stderrLog: RotatingLog | undefined;
  private running: Promise<JobResult> | null = null;

  constructor(private readonly options: JobRunnerOptions) {
    this.log = options.log ?? SILENT_LOG;
    const { logDir } = options;
    this.stderrLog = logDir ? new RotatingLog(path.join(logDir, `codex-${options.handle.sessionId}.log`)) : undefined;
  }

  /** The job's id. */
  get jobId(): string {
    return this.options.job.id;
  }

  /** The job's outbox session. */
  get sessionId(): string {
    return this.options.handle.sessionId;
  }

  /** The pid of the codex running now, if any. */
  get codexPid(): number | undefined {
    return this.codex?.pid;
  }

  /** Restarts of codex so far. */
  get codexRestarts(): number {
    return this.restarts;
  }

  /** Runs the job to its end (every prompt ran), its failure, or {@link JobRunner.stop}. Never rejects. */
  run(): Promise<JobResult> {
    this.running ??= this.supervise().finally(() => this.stderrLog?.close());
    return this.running;
  }

  /**
   * Stops the job: stops reading codex, stops codex, records the running turn
   * failed with `reason`. Resolves when {@link JobRunner.run} has settled.
   */
  async stop(reason: string): Promise<void> {
    if (this.stopping === null) this.stopping = reason;
    const codex = this.codex;
    if (codex) await codex.stop(reason, CODEX_STOP_GRACE_MS);
    if (this.running) await this.running;
  }

  private result(state: JobState, error: unknown = null): JobResult {
    this.state = state;
    const { handle, job } = this.options;
    return {
      jobId: job.id,
      sessionId: handle.sessionId,
      threadId: handle.get().threadId,
      state,
      turns: [...this.turns],
      codexRestarts: this.restarts,
      error: error === null ? null : error instanceof Error ? error.message : String(error),
      errorCode: error instanceof BridgeError ? error.code : null,
    };
  }

  private async supervise(): Promise<JobResult> {
    const { handle, job } = this.options;
    this.state = "running";
    try {
      const maxAttempts = this.options.maxTurnAttempts ?? MAX_TURN_ATTEMPTS;
      while (this.stopping === null) {
        const { nextPrompt, attempts } = handle.get();
        if (nextPrompt >= job.prompts.length) {
          handle.update({ done: true });
          return this.result("completed");
        }
        if (attempts >= maxAttempts) {
          throw new BridgeError("CODEX_EXITED", `Prompt ${nextPrompt + 1} of job ${job.id} was cut off ${attempts} times; giving up on the job.`);
        }
        await this.runCodexOnce();
      }
      return this.result("stopped");
    } catch (error) {
      this.log.error(`job ${job.id}: ${error instanceof Error ? error.message : String(error)}`);
      return this.result(this.stopping === null ? "failed" : "stopped", error);
    } finally {
      if (this.stopping !== null) this.recordFailed(this.stopping, false);
    }
  }

  /** One codex process: start it, open the thread, run prompts until done or codex dies. */
  private async runCodexOnce(): Promise<void> {
    const { handle, job } = this.options;
    let codex: CodexLease | undefined;
    try {
      codex = await (this.options.launch ?? CodexProcess.start)({
        binaryPath: this.options.binaryPath,
        cwd: job.cwd,
        env: this.options.codexEnv,
        codexArgs: this.options.codexArgs,
        outbox: handle.outbox,
        sessionId: handle.sessionId,
        progress: handle,
        onStored: () => handle.pusher.kick(),
        stderrLog: this.stderrLog,
        backpressure: this.options.backpressure,
        retryTimeoutMs: this.options.retryTimeoutMs,
        log: this.log,
        onServerRequest: this.options.onServerRequest,
      });
      this.codex = codex;
      if (this.stopping !== null) {
        await codex.stop(this.stopping, CODEX_STOP_GRACE_MS);
        return;
      }
      const threadId = await this.openThread(codex);
      while (this.stopping === null && handle.get().nextPrompt < job.prompts.length) {
        await this.runPrompt(codex, threadId, handle.get().nextPrompt);
      }
      if (this.stopping === null) await codex.shutdown(CODEX_STOP_GRACE_MS);
    } catch (error) {
      if (this.stopping !== null) return;
      await this.afterFailure(codex, error);
    } finally {
      this.codex = undefined;
    }
  }

  private async runPrompt(codex: CodexLease, threadId: string, index: number): Promise<void> {
    const { handle, job } = this.options;
    handle.update({ sentPrompt: index });
    const started = Date.now();
    const turn = await codex.runTurn(threadId, job.prompts[index] as string);
    const report = { prompt: index, turnId: turn.id, status: turn.status, error: turn.error?.message ?? null, answer: turn.answer, durationMs: Date.now() - started };
    this.turns.push(report);
    this.log.info(`job ${job.id}: turn ${index + 1}/${job.prompts.length} ${turn.status} in ${report.durationMs} ms`);
  }

  /** Opens the job's thread: resumes it when known, else starts it. */
  private async openThread(codex: CodexLease): Promise<string> {
    const { handle, job } = this.options;
    const known = handle.get();
    if (known.threadId !== null) {
      try {
        await codex.resumeThread(known.threadId, job.cwd);
        this.log.info(`job ${job.id}: resumed thread ${known.threadId} at prompt ${known.nextPrompt + 1}/${job.prompts.length}`);
        return known.threadId;
      } catch (error) {
        const details = rpcErrorDetails(error);
        if (!details || !/no rollout/i.test(details.message) || known.nextPrompt > 0) throw error;
        // codex keeps a thread on disk only from its first turn on; one cut off before that is replaced.
        handle.record(THREAD_REPLACED_METHOD, { threadId: known.threadId, reason: `codex could not resume it: ${details.message}` });
        handle.update({ threadId: null });
      }
    }
    const { thread } = await codex.startThread({ cwd: job.cwd });
    if (handle.get().threadId === null) handle.update({ threadId: thread.id });
    return thread.id;
  }

  /** After a failed step: a crash of codex is recorded and retried; anything else stops codex and fails the job. */
  private async afterFailure(codex: CodexLease | undefined, error: unknown): Promise<void> {
    if (codex === undefined || isBridgeError(error, "CODEX_SPAWN_FAILED")) throw error;
    const full = causedBy(error, "OUTBOX_FULL");
    const exit = full ? null : await Promise.race([codex.exited, delay(CODEX_EXIT_WAIT_MS)]);
    if (!exit) {
      const reason = full ? `the outbox is full: ${full.message}` : (error as Error).message;
      await codex.stop(reason, CODEX_STOP_GRACE_MS);
      this.recordFailed(reason, true);
      throw full ?? error;
    }
    const reason = codex.exitError(exit, "during the turn").message;
    const failed = this.recordFailed(reason, true);
    this.restarts += 1;
    const max = this.options.maxCodexRestarts ?? MAX_CODEX_RESTARTS;
    if (this.restarts > max) throw new BridgeError("CODEX_EXITED", `codex exited ${this.restarts} times; giving up. Last: ${reason}`);
    const wait = (this.options.restartDelayMs ?? CODEX_RESTART_DELAY_MS) * 2 ** (this.restarts - 1);
    this.log.warn(`job ${this.jobId}: ${reason}${failed ? ` (turn ${failed.turnId} recorded failed)` : ""}; restarting codex in ${wait} ms`);
    await delay(wait);
  }

  private recordFailed(reason: string, countAttempt: boolean): TurnRef | null {
    try {
      return this.options.handle.recordTurnFailed(reason, { countAttempt });
    } catch (error) {
      this.log.error(`job ${this.jobId}: could not record the failed turn: ${(error as Error).message}`);
      return null;
    }
  }
}

/** The first error in `error`'s cause chain with `code`, or null. */
function causedBy(error: unknown, code: "OUTBOX_FULL"): BridgeError | null {
  for (let current = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth++) {
    if (isBridgeError(current, code)) return current;
  }
  return null;
}

function delay(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}
