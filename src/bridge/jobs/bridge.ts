/**
 * `codex-convex bridge`: one process, many threads. Each job (see `jobs.ts`)
 * runs in its own codex process on its own outbox session, with its own seq
 * stream and its own pusher, so a slow or failing thread never holds up the
 * others; at most `maxConcurrentJobs` run at once, the rest wait their turn.
 *
 * On start the bridge adopts what an earlier bridge left behind: every session
 * of the outbox with events Convex has not acknowledged, or with a turn that
 * was running when its process died, is claimed, its cut-off turn recorded
 * failed, and its pusher started (`ensureSession`, then from `ackedSeq`). A job
 * given again by id continues its session and thread where it stopped.
 *
 * A push failure retrying cannot fix stops that session's pusher (its events
 * stay in the outbox; see `errors.ts`). When no session could get past it
 * (`BRIDGE_WIDE_ERROR_CODES`: the token was refused, the device revoked, the
 * host functions missing), the whole bridge stops as on SIGTERM.
 */
import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { CodexLauncher, CodexProcessMode } from "../codex/codexLease.js";
import { SessionSink } from "../codex/sessionSink.js";
import { SharedCodex } from "../codex/sharedCodex.js";
import { RotatingLog } from "../codex/stderrLog.js";
import { adviceFor, BRIDGE_WIDE_ERROR_CODES, BridgeError, isBridgeError } from "../errors.js";
import { checkContinuation, type Job } from "./jobs.js";
import { JobRunner, type JobResult, type JobRunnerOptions } from "./jobRunner.js";
import { SILENT_LOG, type BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { readProgress } from "./progress.js";
import type { BackpressureOptions } from "./backpressure.js";
import { SessionHandle, type PusherTuning } from "./sessionHandle.js";
import { ThreadSlots } from "./threadSlots.js";
import type { IngestTransport } from "../push/transport.js";
import { sessionsLeftBehind, type BridgeSnapshot, type BridgeSummary, type SessionSummary } from "./bridgeSummary.js";

export type { BridgeSnapshot, BridgeSummary, LeftBehind, PushStop, SessionSummary } from "./bridgeSummary.js";

/** Meta key marking the bridge-level session of a shared codex (its lines that belong to no thread). */
export const SHARED_CODEX_META_KEY = "sharedCodex";

/** Jobs run at once by default (each is one codex process). */
export const DEFAULT_MAX_CONCURRENT_JOBS = 4;

/**
 * Stall timeout of the flush after the jobs are done, in ms: the bridge keeps
 * waiting for Convex while acknowledgements advance, and gives up (not
 * drained, exit 1) once none arrived for this long.
 */
export const DONE_FLUSH_TIMEOUT_MS = 30_000;

/** Stall timeout of the flush of a stopping bridge (SIGINT/SIGTERM), in ms; see {@link DONE_FLUSH_TIMEOUT_MS}. */
export const SHUTDOWN_FLUSH_TIMEOUT_MS = 10_000;

/** Options of {@link Bridge}. */
export type BridgeOptions = {
  /** The open outbox (the caller closes it after {@link Bridge.run}). */
  outbox: Outbox;
  transport: IngestTransport;
  binaryPath: string;
  /** Reported to Convex with `ensureSession`. */
  codexVersion?: string;
  codexEnv?: NodeJS.ProcessEnv;
  codexArgs?: string[];
  /**
   * How codex runs (see `CodexProcessMode`): `per-job` (default here) gives
   * every job and browser thread its own `codex app-server`; `shared` runs them
   * all on one, owned by the bridge, restarted (and every affected thread
   * resumed) when it dies; its lines that belong to no thread go to a
   * bridge-level session (meta `sharedCodex: true`).
   */
  codexProcess?: CodexProcessMode;
  /** Working directory of the shared codex; default this process's. */
  cwd?: string;
  /** Directory of codex's rotated stderr logs; default: not kept. */
  logDir?: string;
  /** The work; an async iterable (stdin) is read as it arrives. */
  jobs: Iterable<Job> | AsyncIterable<Job>;
  /**
   * Most threads at once, jobs and serve mode's browser threads together
   * (`--max-threads`; serve mode takes its slots from {@link Bridge.threadSlots}).
   * Default {@link DEFAULT_MAX_CONCURRENT_JOBS}.
   */
  maxConcurrentJobs?: number;
  /** Adopt sessions an earlier bridge left behind; default true. */
  resumeLeftovers?: boolean;
  /** Keep running after the jobs are done, until {@link Bridge.stop}; default false. */
  keepAlive?: boolean;
  /** Stall timeout of the flush after the jobs (longest wait with no acknowledgement progress), in ms; default {@link DONE_FLUSH_TIMEOUT_MS}. */
  flushTimeoutMs?: number;
  /** Stall timeout of the flush when stopped, in ms; default {@link SHUTDOWN_FLUSH_TIMEOUT_MS}. */
  shutdownFlushTimeoutMs?: number;
  pusher?: PusherTuning;
  backpressure?: BackpressureOptions;
  /** Called once the bridge stops (or its work is done), before its jobs are stopped and its sessions flushed: serve mode stops its threads here. */
  beforeClose?: (reason: string) => Promise<void>;
  /** Codex supervision limits, and who answers codex's server requests (default: declined at once). */
  supervision?: Pick<JobRunnerOptions, "maxCodexRestarts" | "maxTurnAttempts" | "restartDelayMs" | "onServerRequest" | "retryTimeoutMs">;
  log?: BridgeLog;
};


/** Runs jobs and drains sessions; see the module comment. */
export class Bridge {
  private readonly handles = new Map<string, SessionHandle>();
  private readonly runners = new Map<string, { runner: JobRunner; job: Job }>();
  private readonly results: JobResult[] = [];
  private readonly jobRuns = new Set<Promise<void>>();
  /** The `--max-threads` slots, shared with serve mode's browser threads. */
  readonly threadSlots: ThreadSlots;
  private stopReason: string | null = null;
  private resolveStop!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.resolveStop = resolve));
  private readonly log: BridgeLog;
  private readonly shared: SharedCodex | null;
  private sharedStderr: RotatingLog | undefined;
  private sharedSessionId: string | null = null;

  constructor(private readonly options: BridgeOptions) {
    this.log = options.log ?? SILENT_LOG;
    this.threadSlots = new ThreadSlots(options.maxConcurrentJobs ?? DEFAULT_MAX_CONCURRENT_JOBS);
    this.shared = options.codexProcess === "shared" ? this.sharedCodex() : null;
  }

  /**
   * Where jobs and browser threads get codex: the shared codex's leases in
   * `shared` mode, else undefined (each starts a `CodexProcess` of its own).
   */
  get codexLauncher(): CodexLauncher | undefined {
    return this.shared?.launch;
  }

  /** The pid of the shared codex while it runs (shared mode), else undefined. */
  get sharedCodexPid(): number | undefined {
    return this.shared?.pid;
  }

  /**
   * Adopts leftovers, runs every job, then waits (bounded) for Convex to
   * acknowledge everything. Never rejects for a job's failure: see each
   * {@link JobResult}. Resolves early (after a bounded flush) when stopped.
   * @throws the error of the job source (e.g. an unreadable jobs file), after
   *   stopping the jobs and flushing (bounded) what they stored.
   */
  async run(): Promise<BridgeSummary> {
    const started = Date.now();
    let failure: unknown = null;
    try {
      if (this.options.resumeLeftovers ?? true) this.adoptLeftovers();
      await Promise.race([this.consumeJobs(), this.stopped]);
      if (this.options.keepAlive) await this.stopped;
    } catch (error) {
      failure = error;
    } finally {
      await this.options.beforeClose?.(this.stopReason ?? "the bridge is exiting").catch((error: unknown) => this.log.error(`stopping serve mode: ${(error as Error).message}`));
      await Promise.all([...this.runners.values()].map(({ runner }) => runner.stop(this.stopReason ?? "the bridge is exiting")));
      await Promise.all(this.jobRuns);
      await this.closeShared();
    }
    const timeout = this.stopReason === null
      ? (this.options.flushTimeoutMs ?? DONE_FLUSH_TIMEOUT_MS)
      : (this.options.shutdownFlushTimeoutMs ?? SHUTDOWN_FLUSH_TIMEOUT_MS);
    const sessions = await Promise.all([...this.handles.values()].map((handle) => this.closeHandle(handle, timeout)));
    if (failure !== null) throw failure;
    const leftBehind = sessionsLeftBehind(this.options.outbox, new Set(this.handles.keys()));
    return {
      jobs: [...this.results],
      sessions,
      leftBehind,
      drained: sessions.every((s) => s.drained) && leftBehind.length === 0,
      stoppedBy: this.stopReason,
      durationMs: Date.now() - started,
    };
  }

  /**
   * Stops: no new jobs, every running job stops reading codex, stops it and
   * records its running turn failed; then {@link Bridge.run} flushes for at
   * most `shutdownFlushTimeoutMs` and resolves.
   * @param reason - e.g. `"SIGTERM"`; stored in the failed turns' reason.
   */
  stop(reason: string): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.log.info(`stopping (${reason}): no new turns; flushing the outbox`);
    this.threadSlots.changed();
    this.resolveStop();
    for (const { runner } of this.runners.values()) void runner.stop(`the bridge was stopped (${reason})`);
  }

  /** What runs now, for a status line. */
  snapshot(): BridgeSnapshot {
    const jobs = [...this.runners.values()].map(({ runner, job }) => {
      const handle = this.handles.get(runner.sessionId);
      return { id: job.id, state: runner.state, nextPrompt: handle?.get().nextPrompt ?? 0, prompts: job.prompts.length, codexPid: runner.codexPid };
    });
    const sessions = [...this.handles.values()].map((handle) => {
      const record = this.options.outbox.session(handle.sessionId);
      return {
        sessionId: handle.sessionId,
        lastSeq: record.lastSeq,
        ackedSeq: record.ackedSeq,
        lastError: record.lastError,
        lastPushAt: record.lastPushAt,
        pushStopped: handle.pushStopped?.code ?? null,
      };
    });
    return { jobs, sessions };
  }

  /** Claims every session left with unpushed events or a cut-off turn, and starts draining it. */
  private adoptLeftovers(): void {
    const { outbox } = this.options;
    for (const record of outbox.sessions()) {
      const progress = readProgress(record.meta);
      const cutOff = progress.activeTurn !== null || progress.sentPrompt !== null || progress.pendingRequests.length > 0;
      if (record.lastSeq <= record.ackedSeq && !cutOff) continue;
      try {
        const handle = this.openHandle(record.sessionId);
        const turn = handle.recordTurnFailed(
          `the bridge process that ran this turn${record.ownerPid ? ` (pid ${record.ownerPid})` : ""} ended before the turn completed`,
          { countAttempt: false },
        );
        handle.expireServerRequests(`the bridge process${record.ownerPid ? ` (pid ${record.ownerPid})` : ""} that held this request ended; its codex is gone`);
        this.log.info(
          `adopted session ${record.sessionId.slice(0, 8)}${record.jobId ? ` (job ${record.jobId})` : ""}: ` +
            `${record.lastSeq - record.ackedSeq} event(s) to push${turn ? `, turn ${turn.turnId} recorded failed` : ""}`,
        );
      } catch (error) {
        if (!isBridgeError(error, "SESSION_LOCKED")) throw error;
        this.log.warn(
          `session ${record.sessionId.slice(0, 8)} is run by another live bridge (pid ${record.ownerPid}); leaving it alone ` +
            `(${record.lastSeq - record.ackedSeq} event(s) not acknowledged, so this run will not report "drained")`,
        );
      }
    }
  }

  /**
   * The handle of a session this bridge runs, claiming it and starting its
   * pusher on first use; serve mode opens its threads' sessions here, so one
   * pusher serves each session and {@link Bridge.run} flushes them all at the end.
   * @throws BridgeError `SESSION_LOCKED` when another live process runs it.
   */
  openHandle(sessionId: string): SessionHandle {
    let handle = this.handles.get(sessionId);
    if (!handle) {
      const { outbox, transport, pusher, log } = this.options;
      const onError = (error: BridgeError, retryInMs: number | null) => {
        pusher?.onError?.(error, retryInMs);
        // No session can get past these (credentials, host app): stop rather than run codex with nowhere to push.
        if (retryInMs === null && BRIDGE_WIDE_ERROR_CODES.has(error.code)) this.stop(`pushing to Convex stopped on ${error.code}`);
      };
      handle = SessionHandle.open({ outbox, transport, sessionId, pusher: { ...pusher, onError }, log });
      this.handles.set(sessionId, handle);
    }
    return handle;
  }

  private async consumeJobs(): Promise<void> {
    for await (const job of this.options.jobs) {
      if (this.stopReason !== null) break;
      await this.threadSlots.takeForJob(() => this.stopReason !== null);
      if (this.stopReason !== null) {
        this.threadSlots.releaseJob();
        break;
      }
      const run = this.runJob(job).finally(() => {
        this.threadSlots.releaseJob();
        this.jobRuns.delete(run);
      });
      this.jobRuns.add(run);
    }
    await Promise.all(this.jobRuns);
  }

  private async runJob(job: Job): Promise<void> {
    const { outbox } = this.options;
    let sessionId: string | undefined;
    try {
      if (this.runners.get(job.id)?.runner.state === "running") {
        throw new BridgeError("INVALID_ARGUMENT", `Job ${job.id} is already running in this bridge; give the new one another id.`);
      }
      const existing = outbox.sessionOfJob(job.id);
      if (existing) {
        const progress = readProgress(existing.meta);
        const stored = Array.isArray(existing.meta.prompts) ? (existing.meta.prompts as string[]) : [];
        checkContinuation(job, stored, progress.nextPrompt);
        sessionId = existing.sessionId;
        if (progress.nextPrompt >= job.prompts.length) {
          this.log.info(`job ${job.id}: already done in session ${sessionId.slice(0, 8)}; skipping`);
          this.results.push({ jobId: job.id, sessionId, threadId: progress.threadId, state: "skipped", turns: [], codexRestarts: 0, error: null, errorCode: null });
          return;
        }
      }
      sessionId ??= outbox.createSession(
        { cwd: job.cwd, codexVersion: this.options.codexVersion, hostname: os.hostname() },
        { jobId: job.id },
      );
      const handle = this.openHandle(sessionId);
      outbox.updateSessionMeta(sessionId, { prompts: job.prompts, cwd: job.cwd });
      if (handle.get().done) handle.update({ done: false });
      const runner = new JobRunner({
        job,
        handle,
        binaryPath: this.options.binaryPath,
        codexEnv: this.options.codexEnv,
        codexArgs: this.options.codexArgs,
        logDir: this.options.logDir,
        backpressure: this.options.backpressure,
        log: this.log,
        ...this.options.supervision,
        ...(this.shared ? { launch: this.shared.launch } : {}),
      });
      this.runners.set(job.id, { runner, job });
      this.log.info(`job ${job.id}: session ${sessionId.slice(0, 8)}, prompt ${handle.get().nextPrompt + 1}/${job.prompts.length}`);
      if (this.stopReason !== null) void runner.stop(`the bridge was stopped (${this.stopReason})`);
      this.results.push(await runner.run());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`job ${job.id}: ${message}`);
      const errorCode = error instanceof BridgeError ? error.code : null;
      this.results.push({ jobId: job.id, sessionId: sessionId ?? "", threadId: null, state: "failed", turns: [], codexRestarts: 0, error: message, errorCode });
    }
  }

  /** The shared codex of `shared` mode; its bridge-level session is opened on first need. */
  private sharedCodex(): SharedCodex {
    const { outbox, logDir } = this.options;
    this.sharedStderr = logDir ? new RotatingLog(path.join(logDir, "codex-shared.log")) : undefined;
    const cwd = this.options.cwd ?? process.cwd();
    return new SharedCodex({
      binaryPath: this.options.binaryPath,
      cwd,
      env: this.options.codexEnv,
      codexArgs: this.options.codexArgs,
      stderrLog: this.sharedStderr,
      backpressure: this.options.backpressure,
      log: this.log,
      openBridgeSession: () => {
        const sessionId = outbox.createSession(
          { cwd, codexVersion: this.options.codexVersion, hostname: os.hostname(), [SHARED_CODEX_META_KEY]: true },
          { jobId: `shared-codex-${randomUUID().slice(0, 8)}` },
        );
        this.sharedSessionId = sessionId;
        const handle = this.openHandle(sessionId);
        // No progress: the bridge-level session runs no job (a stray thread's lines must not make it that thread's session).
        return new SessionSink({ outbox, sessionId, onStored: () => handle.pusher.kick(), log: this.log });
      },
    });
  }

  /** Stops the shared codex (after every lease ended) and marks its bridge-level session done. */
  private async closeShared(): Promise<void> {
    if (!this.shared) return;
    try {
      await this.shared.close();
      const handle = this.sharedSessionId ? this.handles.get(this.sharedSessionId) : undefined;
      handle?.update({ done: true });
    } catch (error) {
      this.log.error(`stopping the shared codex: ${(error as Error).message}`);
    } finally {
      this.sharedStderr?.close();
    }
  }

  private async closeHandle(handle: SessionHandle, timeoutMs: number): Promise<SessionSummary> {
    const { outbox } = this.options;
    const done = handle.get().done;
    let flushed = false;
    try {
      flushed = (await handle.close(timeoutMs, done)).drained;
    } catch (error) {
      this.log.error(`session ${handle.sessionId.slice(0, 8)}: ${(error as Error).message}`);
    }
    const record = outbox.session(handle.sessionId);
    const stop = handle.pushStopped;
    return {
      sessionId: handle.sessionId,
      jobId: record.jobId,
      lastSeq: record.lastSeq,
      ackedSeq: record.ackedSeq,
      pushes: handle.pusher.stats().pushes,
      drained: flushed && record.ackedSeq >= record.lastSeq,
      pushStopped: stop ? { code: stop.code, message: stop.message, advice: adviceFor(stop.code) ?? "see the message" } : null,
    };
  }

}
