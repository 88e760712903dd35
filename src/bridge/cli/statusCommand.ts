/** `codex-convex status`: the outbox's sessions, read from the file (works while a bridge runs). */
import { existsSync } from "node:fs";
import { adviceFor } from "../errors.js";
import { outboxStatus, type OutboxStatus } from "../outbox/outboxStatus.js";
import { outboxPath } from "./options.js";

/** Parsed options of `status`. */
export type StatusCommandOptions = { cwd: string; outbox?: string; json: boolean };

/** A duration in ms as a short human text (`850 ms`, `12 s`, `3 min`, `5 h`). */
export function formatAge(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/** The status as an aligned table plus totals. */
export function formatStatus(status: OutboxStatus): string {
  const header = ["session", "job", "state", "owner", "prompts", "pending", "bytes", "oldest", "last push", "last error"];
  const rows = status.sessions.map((s) => [
    s.sessionId.slice(0, 8),
    s.jobId ?? "-",
    s.state,
    s.ownerPid === null ? "-" : `${s.ownerPid}${s.ownerAlive ? "" : " (dead)"}`,
    s.prompts ? `${s.prompts.done}/${s.prompts.total}` : "-",
    String(s.pendingEvents),
    String(s.pendingBytes),
    formatAge(s.oldestPendingAgeMs),
    s.lastPushAgeMs === null ? "never" : `${formatAge(s.lastPushAgeMs)} ago`,
    `${s.pushStopped === null ? "" : "STOPPED "}` +
      (s.lastError === null ? "-" : `${formatAge(s.lastErrorAt === null ? null : status.at - s.lastErrorAt)} ago: ${s.lastError.slice(0, 80)}`),
  ]);
  const stops = status.sessions
    .filter((s) => s.pushStopped !== null)
    .map((s) => `session ${s.sessionId.slice(0, 8)}: pushing stopped on ${s.pushStopped}; what to do: ${adviceFor(s.pushStopped ?? "") ?? "see the last error"}.`);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const { totals } = status;
  return [
    `outbox ${status.path}`,
    ...(rows.length > 0 ? [line(header), ...rows.map(line)] : ["no sessions"]),
    ...stops,
    `${totals.sessions} session(s); ${totals.pendingEvents} event(s), ${totals.pendingBytes} bytes not acknowledged by Convex` +
      `${totals.oldestPendingAgeMs === null ? "" : `; oldest ${formatAge(totals.oldestPendingAgeMs)}`}` +
      `${totals.sessionsWithErrors > 0 ? `; ${totals.sessionsWithErrors} session(s) failing to push` : ""}`,
  ].join("\n");
}

/** `status --json` when there is no outbox file: an empty status with `exists: false` and why. */
export type NoOutboxStatus = OutboxStatus & { exists: false; message: string };

/** The status of an outbox file that does not exist: nothing stored, nothing pending. */
export function noOutboxStatus(file: string, now: number = Date.now()): NoOutboxStatus {
  return {
    path: file,
    exists: false,
    message: `No outbox at ${file}: nothing was stored there (run and bridge create it). Pass --outbox, or --cwd of the directory you ran the bridge in.`,
    at: now,
    sessions: [],
    totals: { sessions: 0, pendingEvents: 0, pendingBytes: 0, oldestPendingAgeMs: null, sessionsWithErrors: 0, sessionsStopped: 0 },
  };
}

/**
 * Prints the status (with `--json`, one object: `exists`, `path`, `sessions`,
 * `totals`; plus `message` when there is no outbox). Exit code 1 when a session
 * with unacknowledged events has a push error (retrying, or stopped on a
 * permanent error: see the "STOPPED" mark and the line under the table
 * saying what to do); 0 otherwise, also when there is
 * no outbox file (nothing is pending; the output says where it looked).
 * @throws BridgeError `OUTBOX_CORRUPT` when the file is not a readable outbox.
 */
export function statusCommand(options: StatusCommandOptions): void {
  const file = outboxPath(options);
  if (!existsSync(file)) {
    const none = noOutboxStatus(file);
    process.stdout.write(options.json ? `${JSON.stringify(none)}\n` : `${none.message}\n`);
    return;
  }
  const status = outboxStatus(file);
  process.stdout.write(options.json ? `${JSON.stringify({ exists: true, ...status })}\n` : `${formatStatus(status)}\n`);
  if (status.totals.sessionsWithErrors > 0) process.exitCode = 1;
}
