/**
 * `--codex-process shared`: the bridge owns ONE `codex app-server` and every
 * job and browser thread leases it (`sharedLease.ts`); lines are routed by
 * thread id to each holder's own outbox session (`sharedProcess.ts`).
 *
 * The process is started on the first lease. When it dies (exit, crash,
 * kill -9), every lease on it records the exit in its session and ends; each
 * holder then does exactly what it does when its own codex dies in per-job
 * mode (the running turn recorded failed, a new lease asked for, the thread
 * resumed with `thread/resume`). The first lease asked for after a death
 * starts the next process, after a backoff ({@link SHARED_CODEX_RESTART_DELAY_MS},
 * doubled per death, at most {@link SHARED_CODEX_MAX_RESTART_DELAY_MS}); after
 * {@link MAX_SHARED_CODEX_RESTARTS} deaths in a row (each within
 * {@link SHARED_CODEX_STABLE_MS} of its start) no lease is given any more.
 */
import { statSync } from "node:fs";
import type { AppServerExit } from "./appServer.js";
import type { BackpressureOptions } from "../jobs/backpressure.js";
import { BridgeError } from "../errors.js";
import { SILENT_LOG, type BridgeLog } from "../log.js";
import type { CodexLauncher, CodexLease } from "./codexLease.js";
import type { CodexProcessOptions } from "./codexProcess.js";
import type { SessionSink } from "./sessionSink.js";
import { SharedProcess } from "./sharedProcess.js";
import type { RotatingLog } from "./stderrLog.js";

/** Most restarts of the shared codex in a row (each death within {@link SHARED_CODEX_STABLE_MS} of its start) before leases are refused. */
export const MAX_SHARED_CODEX_RESTARTS = 5;

/** Wait before the first restart of the shared codex after a death, in ms; doubled for each further death in a row. */
export const SHARED_CODEX_RESTART_DELAY_MS = 250;

/** Longest wait before a restart of the shared codex, in ms. */
export const SHARED_CODEX_MAX_RESTART_DELAY_MS = 8_000;

/** A shared codex that ran this long before dying counts as the first death of a new row, in ms. */
export const SHARED_CODEX_STABLE_MS = 60_000;

/** How long the shared codex gets at each stop step (stdin closed, SIGTERM, SIGKILL) when the bridge closes, in ms. */
export const SHARED_CODEX_STOP_GRACE_MS = 2_000;

/** Options of {@link SharedCodex}. */
export type SharedCodexOptions = {
  binaryPath: string;
  /** Working directory of the process. */
  cwd: string;
  /** Environment of codex (complete, not merged); default `process.env`, sanitized either way (`codexEnv.ts`). */
  env?: NodeJS.ProcessEnv;
  codexArgs?: string[];
  /** Opens the bridge-level session, once, on first need (see `sharedProcess.ts`). */
  openBridgeSession: () => SessionSink;
  stderrLog?: RotatingLog;
  backpressure?: BackpressureOptions;
  /** Default {@link MAX_SHARED_CODEX_RESTARTS}. */
  maxRestarts?: number;
  /** Default {@link SHARED_CODEX_RESTART_DELAY_MS}. */
  restartDelayMs?: number;
  log?: BridgeLog;
};

/** See the module comment. */
export class SharedCodex {
  private current: SharedProcess | null = null;
  private starting: Promise<SharedProcess> | null = null;
  private bridgeSink: SessionSink | null = null;
  private deathsInARow = 0;
  private diedAt = 0;
  private lives = 0;
  private closing = false;
  private readonly log: BridgeLog;

  constructor(private readonly options: SharedCodexOptions) {
    this.log = options.log ?? SILENT_LOG;
  }

  /** Hands out leases: give it to the jobs and threads as their {@link CodexLauncher}. */
  readonly launch: CodexLauncher = (options) => this.lease(options);

  /** The pid of the running shared codex, if any. */
  get pid(): number | undefined {
    return this.current?.alive ? this.current.pid : undefined;
  }

  /** How many times the shared codex was started (1 + restarts). */
  get starts(): number {
    return this.lives;
  }

  /**
   * A lease on the running shared codex, starting it (or its next life) first.
   * @throws BridgeError `CODEX_EXITED` when it died {@link MAX_SHARED_CODEX_RESTARTS} times in a row
   *   or the bridge is closing; `CODEX_SPAWN_FAILED`; `RPC_*` when `initialize` fails.
   */
  async lease(options: CodexProcessOptions): Promise<CodexLease> {
    requireDirectory(options.cwd);
    const process = await this.process();
    return process.lease(options);
  }

  /** Stops the shared codex (after the leases ended), recording its exit in the bridge-level session. */
  async close(graceMs = SHARED_CODEX_STOP_GRACE_MS): Promise<AppServerExit | null> {
    this.closing = true;
    const process = this.current ?? (await this.starting?.catch(() => null)) ?? null;
    if (!process?.alive) return null;
    await process.shutdown(graceMs);
    return process.exited;
  }

  private process(): Promise<SharedProcess> {
    if (this.closing) return Promise.reject(new BridgeError("CODEX_EXITED", "The bridge is stopping; the shared codex takes no new thread."));
    if (this.current?.alive) return Promise.resolve(this.current);
    this.starting ??= this.spawn().finally(() => (this.starting = null));
    return this.starting;
  }

  private async spawn(): Promise<SharedProcess> {
    const max = this.options.maxRestarts ?? MAX_SHARED_CODEX_RESTARTS;
    if (this.deathsInARow > max) {
      throw new BridgeError(
        "CODEX_EXITED",
        `The shared codex died ${this.deathsInARow} times in a row; giving up on it. See its stderr log, or run with --codex-process per-job to keep a crash to one thread.`,
      );
    }
    if (this.deathsInARow > 0) {
      const backoff = Math.min((this.options.restartDelayMs ?? SHARED_CODEX_RESTART_DELAY_MS) * 2 ** (this.deathsInARow - 1), SHARED_CODEX_MAX_RESTART_DELAY_MS);
      const wait = this.diedAt + backoff - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const process = await SharedProcess.start({
      binaryPath: this.options.binaryPath,
      cwd: this.options.cwd,
      env: this.options.env,
      codexArgs: this.options.codexArgs,
      bridgeSink: () => (this.bridgeSink ??= this.options.openBridgeSession()),
      stderrLog: this.options.stderrLog,
      backpressure: this.options.backpressure,
      log: this.options.log,
    });
    this.lives += 1;
    if (this.lives > 1) this.log.info(`shared codex started again (pid ${process.pid}, start ${this.lives})`);
    this.current = process;
    void process.exited.then((exit) => this.onExit(process, exit));
    return process;
  }

  private onExit(process: SharedProcess, exit: AppServerExit): void {
    if (this.current === process) this.current = null;
    if (this.closing) return;
    this.deathsInARow = Date.now() - process.startedAt >= SHARED_CODEX_STABLE_MS ? 1 : this.deathsInARow + 1;
    this.diedAt = Date.now();
    this.log.warn(
      `the shared codex exited (code ${exit.code}, signal ${exit.signal}); its threads' running turns are recorded failed, ` +
        `and it is started again for them (death ${this.deathsInARow} in a row)`,
    );
  }
}

/**
 * A thread's working directory must exist, as a process of its own would
 * require (codex itself would run the thread in a missing directory).
 * @throws BridgeError `CODEX_SPAWN_FAILED` naming the directory.
 */
function requireDirectory(cwd: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(cwd).isDirectory();
  } catch {
    // reported below
  }
  if (!isDirectory) throw new BridgeError("CODEX_SPAWN_FAILED", `Could not start the thread: the working directory ${cwd} does not exist. Create it or pass another cwd.`);
}
