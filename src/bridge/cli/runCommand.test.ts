import { describe, expect, it } from "vitest";
import type { RunSummary } from "../jobs/run.js";
import { formatSummary } from "./runCommand.js";

const SUMMARY: RunSummary = {
  sessionId: "s",
  threadId: "th",
  turnId: "tu",
  status: "completed",
  error: null,
  pushStopped: null,
  answer: "The repository stores every codex line first.\n",
  codexVersion: "0.169.0",
  events: 30,
  acked: 30,
  pushes: 4,
  drained: true,
  durationMs: 2_000,
  turnMs: 1_500,
};

describe("run's summary", () => {
  it("prints codex's answer first, then how the run went", () => {
    expect(formatSummary(SUMMARY).split("\n")).toEqual([
      "The repository stores every codex line first.",
      "",
      "thread th, turn tu: completed",
      "events 30 stored, 30 acknowledged in 4 pushes",
      "turn 1500 ms, run 2000 ms (codex 0.169.0)",
    ]);
  });

  it("prints no answer block when codex gave none", () => {
    expect(formatSummary({ ...SUMMARY, answer: null, status: "failed", error: "boom" }).split("\n")[0]).toBe("thread th, turn tu: failed (boom)");
  });
});
