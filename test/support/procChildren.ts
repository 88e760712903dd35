/** The `codex app-server` processes a process started, read from Linux's /proc (tests only). */
import { readdirSync, readFileSync } from "node:fs";

/** Pids of the live processes whose parent is `pid` and whose command line names `app-server`. */
export function appServerChildren(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields start after the last ")" (the command name may hold spaces): state, then ppid.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("app-server")) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
