/** `codex-convex bridge`: many threads in one long-running process (see `bridge.ts`, `jobs.ts`). */
import path from "node:path";
import { Bridge, type BridgeSummary } from "../jobs/bridge.js";
import { codexVersion, findCodexBinary } from "../codex/codexBinary.js";
import { ConvexHttpTransport } from "../push/convexHttpTransport.js";
import { newJobId, readJobs, toJob, type Job } from "../jobs/jobs.js";
import type { BridgeError } from "../errors.js";
import { Outbox } from "../outbox/outbox.js";
import { LiveOutput } from "./live.js";
import { logDir, outboxPath, pusherTuning, requireConvexUrl, type WorkOptions } from "./options.js";
import { signalExitCode } from "./signals.js";

/** Parsed options of `bridge` (see `--help`). */
export type BridgeCommandOptions = WorkOptions & {
  prompt: string[];
  jobId?: string;
  jobs?: string;
  maxThreads?: number;
  keepAlive: boolean;
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
    if (!session.drained) lines.push(`session ${session.sessionId}: ${session.lastSeq - session.ackedSeq} event(s) still in the outbox`);
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
 * acknowledged everything; 1 otherwise; 130/143 after SIGINT/SIGTERM.
 * @throws BridgeError `INVALID_ARGUMENT` (no Convex URL, bad job), `CODEX_BINARY_NOT_FOUND`, `OUTBOX_CORRUPT`.
 */
export async function bridgeCommand(options: BridgeCommandOptions): Promise<void> {
  const url = requireConvexUrl(options);
  const cwd = path.resolve(options.cwd);
  if (options.jobId !== undefined && options.prompt.length === 0) {
    toJob({ id: options.jobId, prompts: ["-"] }, cwd, "--job-id"); // validates the id
  }
  const binary = findCodexBinary({ explicit: options.codexBin }).path;
  const version = await codexVersion(binary);
  const outbox = Outbox.open(outboxPath(options), { synchronous: options.synchronous, maxPendingBytes: options.maxPendingBytes });
  const live = new LiveOutput(options);
  let summary: BridgeSummary;
  let signal: NodeJS.Signals | null = null;
  let invalidJobs = 0;
  try {
    const bridge = new Bridge({
      outbox,
      transport: new ConvexHttpTransport({ url, authToken: options.authToken }),
      binaryPath: binary,
      codexVersion: version,
      logDir: logDir(options),
      jobs: jobsOf(options, cwd, (error) => {
        invalidJobs += 1;
        live.log.error(`${error.message} (line skipped)`);
      }),
      maxConcurrentJobs: options.maxThreads,
      keepAlive: options.keepAlive,
      ...(options.flushTimeout ? { flushTimeoutMs: options.flushTimeout, shutdownFlushTimeoutMs: options.flushTimeout } : {}),
      pusher: pusherTuning(options),
      supervision: options.retryTimeout === undefined ? undefined : { retryTimeoutMs: options.retryTimeout },
      log: live.log,
    });
    live.attach(bridge);
    summary = await bridge.run();
  } finally {
    signal = live.finish();
    outbox.close();
  }
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatBridgeSummary(summary)}\n`);
  const ok = invalidJobs === 0 && summary.drained && summary.jobs.every((job) => job.state === "completed" || job.state === "skipped");
  process.exitCode = signal ? signalExitCode(signal) : ok ? 0 : 1;
}
