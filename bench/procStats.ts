/**
 * Memory and CPU of a process and its descendants, read from Linux's /proc:
 * PSS from `/proc/<pid>/smaps_rollup` (shared pages split among the processes
 * that map them, so the sum over processes is what they really cost) and CPU
 * time from `/proc/<pid>/stat`. Linux only; elsewhere every figure is 0.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of the stat times (`getconf CLK_TCK`, 100 nearly everywhere). */
const CLOCK_TICKS_PER_S = readClockTicks();

function readClockTicks(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** One process as its stat file shows it; times in seconds. */
type ProcStat = { pid: number; ppid: number; selfCpuS: number; reapedChildrenCpuS: number };

/** Reads `/proc/<pid>/stat`, or null when the process is gone. */
function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: fields start after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const tick = (index: number) => Number(fields[index] ?? 0) / CLOCK_TICKS_PER_S;
  // fields[0] is field 3 (state): ppid is field 4, utime/stime/cutime/cstime fields 14–17.
  return { pid, ppid: Number(fields[1]), selfCpuS: tick(11) + tick(12), reapedChildrenCpuS: tick(13) + tick(14) };
}

/** PSS of `pid` in bytes, or 0 when the process is gone (or smaps_rollup is unreadable). */
export function pssBytes(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live descendant of `root` (not `root` itself), from one scan of /proc. */
function descendants(root: number): ProcStat[] {
  const byParent = new Map<number, ProcStat[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const siblings = byParent.get(stat.ppid) ?? [];
    siblings.push(stat);
    byParent.set(stat.ppid, siblings);
  }
  const out: ProcStat[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of byParent.get(pid) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

/** One sample of a root process (the bridge) and its tree (the codex processes and their helpers). */
export type TreeSample = {
  /** PSS of the root, bytes. */
  rootPssBytes: number;
  /** Sum of the PSS of every live descendant, bytes. */
  childrenPssBytes: number;
  /** Live descendants. */
  childCount: number;
  /** CPU seconds the root itself used so far. */
  rootCpuS: number;
  /**
   * CPU seconds the descendants used so far: the live ones' own time and
   * their reaped children's, plus what the root's reaped children used.
   * Processes that exit between two samples and are not yet reaped are missed.
   */
  childrenCpuS: number;
};

/** Samples `root` and its tree now; null when `root` is gone. */
export function sampleTree(root: number): TreeSample | null {
  const self = readStat(root);
  if (!self) return null;
  const tree = descendants(root);
  return {
    rootPssBytes: pssBytes(root),
    childrenPssBytes: tree.reduce((sum, p) => sum + pssBytes(p.pid), 0),
    childCount: tree.length,
    rootCpuS: self.selfCpuS,
    childrenCpuS: self.reapedChildrenCpuS + tree.reduce((sum, p) => sum + p.selfCpuS + p.reapedChildrenCpuS, 0),
  };
}
