/** `codex-convex status`: the outbox's sessions, read from the file (works while a bridge runs). */
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

/**
 * Prints the status. Exit code 1 when a session with unacknowledged events
 * has a push error (retrying, or stopped on a permanent error: see the
 * "STOPPED" mark and the line under the table saying what to do).
 * @throws BridgeError `INVALID_ARGUMENT` when there is no outbox; `OUTBOX_CORRUPT`.
 */
export function statusCommand(options: StatusCommandOptions): void {
  const status = outboxStatus(outboxPath(options));
  process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : `${formatStatus(status)}\n`);
  if (status.totals.sessionsWithErrors > 0) process.exitCode = 1;
}
