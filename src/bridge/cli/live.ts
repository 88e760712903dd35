/**
 * What a long-running command shows while it works: the live status line on a
 * terminal, log lines that do not garble it, and SIGINT/SIGTERM wired to a
 * graceful stop of the bridge.
 */
import type { Bridge, BridgeSnapshot } from "../jobs/bridge.js";
import { adviceFor } from "../errors.js";
import type { BridgeLog, LogLevel } from "../log.js";
import { createLogger } from "./logger.js";
import { onStopSignals } from "./signals.js";
import { StatusLine } from "./statusLine.js";

/** What a status line is about: one turn (`run`) or many jobs (`bridge`). */
export type StatusSubject = "turn" | "jobs";

/** Words of the one job's state in `run`'s status line. */
const TURN_STATE: Record<string, string> = {
  queued: "starting codex",
  running: "turn running",
  completed: "turn done",
  skipped: "turn done",
  failed: "turn failed",
  stopped: "stopping",
};

/** `run`'s status line: its one turn, how long it has run, then the events as in {@link renderStatus}. */
export function renderTurnStatus(snapshot: BridgeSnapshot, startedAt: number, now: number = Date.now()): string {
  const job = snapshot.jobs[0];
  const state = job ? (TURN_STATE[job.state] ?? job.state) : "starting codex";
  return [...stoppedParts(snapshot), `${state} ${Math.max(0, Math.round((now - startedAt) / 1000))} s`, ...eventParts(snapshot, now)].join(" │ ");
}

/**
 * The status line's text for a snapshot of a bridge running jobs. A session
 * whose pushing stopped on a permanent error comes first, with its code and
 * what to do; sessions whose last push failed and that still retry are
 * counted as "retrying".
 */
export function renderStatus(snapshot: BridgeSnapshot, now: number = Date.now()): string {
  const count = (state: string) => snapshot.jobs.filter((job) => job.state === state).length;
  const running = snapshot.jobs.filter((job) => job.state === "running");
  const turns = running
    .slice(0, 3)
    .map((job) => `${job.id} ${Math.min(job.nextPrompt + 1, job.prompts)}/${job.prompts}`)
    .join(", ");
  return [
    ...stoppedParts(snapshot),
    `jobs ${count("running")} running, ${count("completed") + count("skipped")} done, ${count("failed")} failed${turns ? ` (${turns})` : ""}`,
    ...eventParts(snapshot, now),
  ].join(" │ ");
}

/** The part about sessions stopped on a permanent error (first on both lines), if any. */
function stoppedParts(snapshot: BridgeSnapshot): string[] {
  const stopped = snapshot.sessions.filter((s) => s.pushStopped !== null);
  if (stopped.length === 0) return [];
  const codes = [...new Set(stopped.map((s) => s.pushStopped as string))];
  return [`push STOPPED on ${codes.join(", ")} (${stopped.length} session(s)): ${codes.map((code) => adviceFor(code) ?? "see the log").join("; ")}`];
}

/** The parts about events and pushes, shared by both lines. */
function eventParts(snapshot: BridgeSnapshot, now: number): string[] {
  const stored = snapshot.sessions.reduce((sum, s) => sum + s.lastSeq, 0);
  const acked = snapshot.sessions.reduce((sum, s) => sum + s.ackedSeq, 0);
  const lastPush = Math.max(0, ...snapshot.sessions.map((s) => s.lastPushAt ?? 0));
  const errors = snapshot.sessions.filter((s) => s.pushStopped === null && s.lastError !== null && s.ackedSeq < s.lastSeq).length;
  return [
    `events ${stored} stored, ${acked} acked, ${stored - acked} pending`,
    lastPush > 0 ? `last push ${Math.round((now - lastPush) / 1000)} s ago` : "no push yet",
    ...(errors > 0 ? [`${errors} session(s) retrying`] : []),
  ];
}

/** Logger, status line and signal handlers of one command run. */
export class LiveOutput {
  readonly log: BridgeLog;
  private statusLine: StatusLine | undefined;
  private signals: ReturnType<typeof onStopSignals> | undefined;

  /**
   * @param options - `status`: show the line on a TTY (off with `--json`); `logLevel`;
   *   `subject`: `turn` for `run` (one turn), `jobs` (default) for `bridge`.
   */
  constructor(private readonly options: { status: boolean; json: boolean; logLevel: LogLevel; subject?: StatusSubject }) {
    this.log = createLogger(options.logLevel, process.stderr, () => this.statusLine);
  }

  /** Starts the status line (on a TTY) and routes SIGINT/SIGTERM to `bridge.stop`. */
  attach(bridge: Bridge): void {
    if (this.options.status && !this.options.json && StatusLine.supported(process.stderr)) {
      const startedAt = Date.now();
      const render = this.options.subject === "turn" ? () => renderTurnStatus(bridge.snapshot(), startedAt) : () => renderStatus(bridge.snapshot());
      this.statusLine = new StatusLine(process.stderr, render);
      this.statusLine.start();
    }
    this.signals = onStopSignals((signal) => {
      this.log.warn(`${signal}: stopping; waiting (bounded) for Convex to acknowledge the outbox`);
      bridge.stop(signal);
    });
  }

  /** Removes the line and the handlers. @returns the stop signal received, if any. */
  finish(): NodeJS.Signals | null {
    this.statusLine?.stop();
    this.statusLine = undefined;
    const received = this.signals?.received() ?? null;
    this.signals?.dispose();
    return received;
  }
}
