import { describe, expect, it } from "vitest";
import { renderStatus, renderTurnStatus } from "./live.js";
import { StatusLine } from "./statusLine.js";

describe("status line", () => {
  it("says what runs, what is pending and when Convex last answered", () => {
    const text = renderStatus(
      {
        jobs: [
          { id: "a", state: "running", nextPrompt: 1, prompts: 3, codexPid: 1 },
          { id: "b", state: "completed", nextPrompt: 2, prompts: 2, codexPid: undefined },
          { id: "c", state: "failed", nextPrompt: 0, prompts: 1, codexPid: undefined },
        ],
        sessions: [
          { sessionId: "s1", lastSeq: 120, ackedSeq: 100, lastError: "[TRANSPORT_FAILED] down", lastPushAt: 7_000, pushStopped: null },
          { sessionId: "s2", lastSeq: 50, ackedSeq: 50, lastError: null, lastPushAt: 9_000, pushStopped: null },
        ],
      },
      12_000,
    );
    expect(text).toBe("jobs 1 running, 1 done, 1 failed (a 2/3) │ events 170 stored, 150 acked, 20 pending │ last push 3 s ago │ 1 session(s) retrying");
  });

  it("puts a session stopped on a permanent error first, with its code and what to do, and does not call it retrying", () => {
    const text = renderStatus(
      {
        jobs: [],
        sessions: [
          { sessionId: "s1", lastSeq: 12, ackedSeq: 0, lastError: "[UNAUTHENTICATED] token expired", lastPushAt: null, pushStopped: "UNAUTHENTICATED" },
          { sessionId: "s2", lastSeq: 5, ackedSeq: 0, lastError: "[TRANSPORT_FAILED] down", lastPushAt: null, pushStopped: null },
        ],
      },
      12_000,
    );
    expect(text).toMatch(/^push STOPPED on UNAUTHENTICATED \(1 session\(s\)\): the auth token was refused .*--auth-token/);
    expect(text).toMatch(/│ 1 session\(s\) retrying$/);
  });

  it("speaks of one turn for run, not of jobs", () => {
    const sessions = [{ sessionId: "s1", lastSeq: 40, ackedSeq: 30, lastError: null, lastPushAt: 11_000, pushStopped: null }];
    const job = (state: "queued" | "running" | "completed" | "failed") => ({ jobs: [{ id: "run-1", state, nextPrompt: 0, prompts: 1, codexPid: 1 }], sessions });
    expect(renderTurnStatus(job("running"), 2_000, 12_000)).toBe("turn running 10 s │ events 40 stored, 30 acked, 10 pending │ last push 1 s ago");
    expect(renderTurnStatus(job("completed"), 2_000, 12_000)).toMatch(/^turn done 10 s │/);
    expect(renderTurnStatus(job("failed"), 2_000, 12_000)).toMatch(/^turn failed 10 s │/);
    expect(renderTurnStatus({ jobs: [], sessions: [] }, 2_000, 2_400)).toBe("starting codex 0 s │ events 0 stored, 0 acked, 0 pending │ no push yet");
    expect(renderTurnStatus(job("running"), 0, 1)).not.toMatch(/job/);
  });

  it("draws in place, clears before log lines, and fits the terminal", () => {
    const writes: string[] = [];
    const line = new StatusLine({ isTTY: true, columns: 30, write: (s: string) => (writes.push(s), true) }, () => "x".repeat(100));
    line.start();
    line.clear();
    line.stop();
    expect(writes[0]).toBe(`\r\x1b[2K${"x".repeat(28)}…`);
    expect(writes[1]).toBe("\r\x1b[2K");
    expect(writes).toHaveLength(2);
  });
});
