/**
 * Who owns a session: a process id alone is not enough, since the OS reuses
 * ids, and a bridge that died left its id behind for any later process to
 * take. A session's owner is recorded as its pid plus a token of that
 * process's incarnation, its start time:
 *
 * - Linux: `linux:<boot id>:<start time in clock ticks since boot>` from
 *   `/proc/sys/kernel/random/boot_id` and field 22 of `/proc/<pid>/stat`
 *   (exact, and unique across reboots); a zombie counts as gone;
 * - other Unix (macOS, BSD): `ps:<lstart>` from `ps -o lstart= -p <pid>`
 *   (to the second);
 * - where neither works (Windows): `pid:<pid>` while the process exists, i.e.
 *   the pid alone, as before.
 *
 * Chosen over an OS file lock held while running: Node has no `flock`, so a
 * lock would need a native addon or a lock file per process whose POSIX lock
 * silently drops when any descriptor of that file in the process is closed;
 * the start time is exact, costs one small read, and can be shown by
 * `codex-convex status`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** How long `ps` may take to answer, in ms. */
export const PS_TIMEOUT_MS = 2_000;

/** Field number of `starttime` in `/proc/<pid>/stat` (1-based, `man 5 proc`). */
const STAT_STARTTIME_FIELD = 22;

/** Field number of `state` in `/proc/<pid>/stat`. */
const STAT_STATE_FIELD = 3;

let bootId: string | null | undefined;

/**
 * The incarnation token of process `pid`.
 * @returns A string that differs between two processes that had the same pid;
 *   null when no such process runs (or it is a zombie).
 */
export function processToken(pid: number): string | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const linux = linuxToken(pid);
  if (linux !== undefined) return linux;
  const ps = psToken(pid);
  if (ps !== undefined) return ps;
  return processExists(pid) ? `pid:${pid}` : null;
}

/** `linux:<boot>:<starttime>`, null when gone, undefined when /proc cannot tell. */
function linuxToken(pid: number): string | null | undefined {
  if (process.platform !== "linux") return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "ESRCH" ? null : undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or ')'; fields 3.. follow the last ')'.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = rest[STAT_STATE_FIELD - 3];
  const start = rest[STAT_STARTTIME_FIELD - 3];
  if (state === undefined || start === undefined || !/^\d+$/.test(start)) return undefined;
  if (state === "Z" || state === "X") return null;
  return `linux:${readBootId() ?? "?"}:${start}`;
}

function readBootId(): string | null {
  if (bootId === undefined) {
    try {
      bootId = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      bootId = null;
    }
  }
  return bootId;
}

/** `ps:<lstart>`, null when gone, undefined when there is no usable `ps`. */
function psToken(pid: number): string | null | undefined {
  if (process.platform === "win32") return undefined;
  try {
    const out = execFileSync("ps", ["-o", "lstart=", "-p", String(pid)], {
      encoding: "utf8",
      timeout: PS_TIMEOUT_MS,
      stdio: ["ignore", "pipe", "ignore"],
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" },
    }).trim();
    return out === "" ? null : `ps:${out}`;
  } catch (error) {
    // ps exits 1 when no such process; anything else (no ps) means "cannot tell".
    return (error as { status?: number }).status === 1 ? null : undefined;
  }
}

/** Whether a process with this id exists (EPERM: it exists but is another user's). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
