/** `codex-convex bridge`: many threads in one long-running process (see `bridge.ts`, `jobs.ts`). */
import path from "node:path";
import { Bridge, type BridgeSummary } from "../jobs/bridge.js";
import { codexVersion, findCodexBinary } from "../codex/codexBinary.js";
import { ConvexHttpTransport } from "../push/convexHttpTransport.js";
import { bridgeAuth } from "../device/deviceAuth.js";
import { newJobId, readJobs, toJob, type Job } from "../jobs/jobs.js";
import type { BridgeError } from "../errors.js";
import type { CodexProcessMode } from "../codex/codexLease.js";
import { ServerRequestBroker } from "../codex/serverRequestBroker.js";
import { declaredWorkspaces, EXIT_DEVICE_REFUSED, requirePairedDevice, serverRequestPolicy, startServeMode, type ServeFlags } from "./serveMode.js";
import { Outbox } from "../outbox/outbox.js";
import { LiveOutput } from "./live.js";
import { logDir, outboxPath, pusherTuning, requireConvexUrl, type WorkOptions } from "./options.js";
import { EXIT_PUSH_STOPPED } from "./output.js";
import { signalExitCode } from "./signals.js";

/** Parsed options of `bridge` (see `--help`). */
export type BridgeCommandOptions = WorkOptions & ServeFlags & {
  prompt: string[];
  jobId?: string;
  jobs?: string;
  /** Threads run at once: jobs and browser threads together (`--max-threads`, default 4). */
  maxThreads?: number;
  keepAlive: boolean;
  /**
   * `--codex-process` (env `CODEX_CONVEX_CODEX_PROCESS`): `per-job` runs one
   * `codex app-server` per job or browser thread, `shared` one for the whole
   * bridge (see `CodexProcessMode` for the trade-off; default `DEFAULT_CODEX_PROCESS_MODE`).
   */
  codexProcess: CodexProcessMode;
};

/** Human-readable lines of a bridge summary. */
export function formatBridgeSummary(summary: BridgeSummary): string {
  const lines = summary.jobs.map((job) => {
    const completed = job.turns.filter((turn) => turn.status === "completed").length;
    return (
      `job ${job.jobId}: ${job.state}, ${job.turns.length} turn(s) run (${completed} completed)` +
      `${job.codexRestarts ? `, codex restarted ${job.codexRestarts}×` : ""}` +
      `${job.threadId ? `, thread ${job.threadId}` : ""}${job.error ? ` — ${job.errorCode ? `[${job.errorCode}] ` : ""}${job.error}` : ""}`
    );
  });
  for (const session of summary.sessions) {
    if (session.pushStopped) {
      const { code, message, advice } = session.pushStopped;
      lines.push(`session ${session.sessionId}: pushing STOPPED on ${code}: ${message} What to do: ${advice}.`);
    }
    if (!session.drained) lines.push(`session ${session.sessionId}: ${session.lastSeq - session.ackedSeq} event(s) still in the outbox`);
  }
  for (const left of summary.leftBehind) {
    lines.push(
      `session ${left.sessionId}: ${left.pendingEvents} event(s) not pushed by this run` +
        (left.ownerPid === null ? "" : ` (run by process ${left.ownerPid}, still running)`),
    );
  }
  lines.push(
    `${summary.sessions.length} session(s), ${summary.drained ? "all acknowledged by Convex" : "NOT all acknowledged (they are pushed on the next start)"}, ` +
      `${summary.durationMs} ms${summary.stoppedBy ? `, stopped by ${summary.stoppedBy}` : ""}`,
  );
  return lines.join("\n");
}

/** The jobs of the command line: the `--prompt` job first, then `--jobs` (a file, or `-` for stdin). */
async function* jobsOf(options: BridgeCommandOptions, cwd: string, onInvalid: (error: BridgeError) => void): AsyncGenerator<Job> {
  if (options.prompt.length > 0) {
    yield toJob({ id: options.jobId ?? newJobId(), prompts: options.prompt }, cwd, "--prompt");
  }
  if (options.jobs !== undefined) {
    yield* readJobs(options.jobs === "-" ? process.stdin : path.resolve(cwd, options.jobs), cwd, onInvalid);
  }
}

/**
 * Runs the bridge until its jobs are done and pushed (or, with `--keep-alive`,
 * until SIGINT/SIGTERM). Exit code 0 when every job completed and Convex
 * acknowledged everything; 3 (`EXIT_PUSH_STOPPED`) when pushing stopped on a
 * permanent error; 130/143 after SIGINT/SIGTERM; 1 otherwise.
 * @throws BridgeError `INVALID_ARGUMENT` (no Convex URL, bad job), `CODEX_BINARY_NOT_FOUND`, `OUTBOX_CORRUPT`.
 */
export async function bridgeCommand(options: BridgeCommandOptions): Promise<void> {
  const url = requireConvexUrl(options);
  const cwd = path.resolve(options.cwd);
  if (options.jobId !== undefined && options.prompt.length === 0) {
    toJob({ id: options.jobId, prompts: ["-"] }, cwd, "--job-id"); // validates the id
  }
  if (options.serve) {
    requirePairedDevice(url); // fail fast, before codex or the outbox
    declaredWorkspaces(options, cwd);
  }
  const binary = findCodexBinary({ explicit: options.codexBin }).path;
  const version = await codexVersion(binary);
  const outbox = Outbox.open(outboxPath(options), { synchronous: options.synchronous, maxPendingBytes: options.maxPendingBytes });
  const live = new LiveOutput(options);
  let summary: BridgeSummary;
  let signal: NodeJS.Signals | null = null;
  let invalidJobs = 0;
  let refused: BridgeError | null = null;
  let stopServe: ((reason: string) => Promise<void>) | null = null;
  const broker = new ServerRequestBroker(serverRequestPolicy(options), (error) => live.log.warn(`answering a server request failed: ${(error as Error).message}`));
  try {
    const bridge = new Bridge({
      outbox,
      transport: new ConvexHttpTransport({ url, api: options.api, ...bridgeAuth(url, { authToken: options.authToken }) }),
      binaryPath: binary,
      codexVersion: version,
      codexProcess: options.codexProcess,
      cwd,
      logDir: logDir(options),
      jobs: jobsOf(options, cwd, (error) => {
        invalidJobs += 1;
        live.log.error(`${error.message} (line skipped)`);
      }),
      maxConcurrentJobs: options.maxThreads,
      keepAlive: options.keepAlive || options.serve,
      supervision: { onServerRequest: broker.hold, ...(options.retryTimeout === undefined ? {} : { retryTimeoutMs: options.retryTimeout }) },
      beforeClose: (reason) => stopServe?.(reason) ?? Promise.resolve(),
      ...(options.flushTimeout ? { flushTimeoutMs: options.flushTimeout, shutdownFlushTimeoutMs: options.flushTimeout } : {}),
      pusher: pusherTuning(options),
      log: live.log,
    });
    live.attach(bridge);
    const running = bridge.run();
    if (options.serve) {
      const outboxFile = outboxPath(options);
      const serveOptions = { flags: options, url, cwd, outbox, outboxPath: outboxFile, bridge, broker, binaryPath: binary, codexVersion: version, maxThreads: options.maxThreads, logDir: logDir(options), log: live.log };
      try {
        stopServe = await startServeMode({ ...serveOptions, onRefused: (error) => ((refused = error), bridge.stop("DEVICE_REVOKED")) });
      } catch (error) {
        bridge.stop("serve mode could not start");
        await running;
        throw error;
      }
    }
    summary = await running;
  } finally {
    signal = live.finish();
    outbox.close();
  }
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatBridgeSummary(summary)}\n`);
  const ok = invalidJobs === 0 && summary.drained && summary.jobs.every((job) => job.state === "completed" || job.state === "skipped");
  const pushStopped = summary.sessions.some((session) => session.pushStopped !== null);
  process.exitCode = refused ? EXIT_DEVICE_REFUSED : pushStopped ? EXIT_PUSH_STOPPED : signal ? signalExitCode(signal) : ok ? 0 : 1;
}
