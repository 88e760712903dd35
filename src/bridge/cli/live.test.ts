import { describe, expect, it } from "vitest";
import { renderStatus } from "./live.js";
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
