/**
 * What the thread list shows as a thread's state, from codex's thread status
 * (`notLoaded`, `idle`, `systemError`, `active` with `activeFlags`) and its
 * newest turn's status when known.
 */
export type ThreadState = "running" | "waiting for approval" | "waiting for input" | "failed" | "interrupted" | "idle";

/**
 * @param thread - `status` and `activeFlags` as the component stores them.
 * @param lastTurnStatus - The newest turn's status, when loaded.
 */
export function threadState(
  thread: { status?: string; activeFlags?: string[] },
  lastTurnStatus?: string,
): ThreadState {
  if (thread.status === "active") {
    if (thread.activeFlags?.includes("waitingOnApproval")) return "waiting for approval";
    if (thread.activeFlags?.includes("waitingOnUserInput")) return "waiting for input";
    return "running";
  }
  if (thread.status === "systemError" || lastTurnStatus === "failed") return "failed";
  if (lastTurnStatus === "interrupted") return "interrupted";
  if (lastTurnStatus === "inProgress") return "running";
  return "idle";
}

/** "just now", "5 min ago", "3 h ago", or the date, for a time in ms since the epoch. */
export function timeAgo(at: number, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(at).toLocaleDateString();
}
