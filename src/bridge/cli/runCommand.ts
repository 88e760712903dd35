/** `codex-convex run`: one turn, pushed to a Convex deployment. */
import path from "node:path";
import { ConvexHttpTransport } from "../push/convexHttpTransport.js";
import { bridgeAuth } from "../device/deviceAuth.js";
import { run, type RunSummary } from "../jobs/run.js";
import { LiveOutput } from "./live.js";
import { logDir, outboxPath, pusherTuning, requireConvexUrl, type WorkOptions } from "./options.js";
import { EXIT_PUSH_STOPPED } from "./output.js";
import { signalExitCode } from "./signals.js";

/** Parsed options of `run` (see `--help`). */
export type RunCommandOptions = WorkOptions;

/** Human-readable lines of a summary: codex's answer first (when it gave one), then how the run went. */
export function formatSummary(summary: RunSummary): string {
  return [
    ...(summary.answer ? [summary.answer.trimEnd(), ""] : []),
    `thread ${summary.threadId}, turn ${summary.turnId}: ${summary.status}${summary.error ? ` (${summary.error})` : ""}`,
    `events ${summary.events} stored, ${summary.acked} acknowledged in ${summary.pushes} pushes` +
      (summary.drained ? "" : " (not all pushed yet: they stay in the outbox for the next run)"),
    `turn ${summary.turnMs} ms, run ${summary.durationMs} ms (codex ${summary.codexVersion})`,
    ...(summary.pushStopped
      ? [`pushing STOPPED on ${summary.pushStopped.code}: ${summary.pushStopped.message} What to do: ${summary.pushStopped.advice}.`]
      : []),
  ].join("\n");
}

/**
 * Runs one turn and prints its summary. Exit code 3 (`EXIT_PUSH_STOPPED`) when
 * pushing stopped on a permanent error; 130/143 after SIGINT/SIGTERM; 1 when
 * the turn did not complete or not every event reached Convex.
 * @throws BridgeError `INVALID_ARGUMENT` when no Convex URL is given; any error of `run`.
 */
export async function runCommand(prompt: string, options: RunCommandOptions): Promise<void> {
  const url = requireConvexUrl(options);
  const cwd = path.resolve(options.cwd);
  const live = new LiveOutput({ ...options, subject: "turn" });
  let summary: RunSummary;
  let signal: NodeJS.Signals | null = null;
  try {
    summary = await run({
      prompt,
      cwd,
      transport: new ConvexHttpTransport({ url, api: options.api, ...bridgeAuth(url, { authToken: options.authToken }) }),
      outboxPath: outboxPath(options),
      synchronous: options.synchronous,
      maxPendingBytes: options.maxPendingBytes,
      codexBin: options.codexBin,
      logDir: logDir(options),
      flushTimeoutMs: options.flushTimeout,
      retryTimeoutMs: options.retryTimeout,
      pusher: pusherTuning(options),
      log: live.log,
      onStart: (bridge) => live.attach(bridge),
    });
  } finally {
    signal = live.finish();
  }
  process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${formatSummary(summary)}\n`);
  if (summary.pushStopped) process.exitCode = EXIT_PUSH_STOPPED;
  else if (signal) process.exitCode = signalExitCode(signal);
  else if (summary.status !== "completed" || !summary.drained) process.exitCode = 1;
}
