import { describe, expect, it } from "vitest";
import { INITIAL_PROGRESS, observeLines, readProgress, type JobProgress } from "./progress.js";

const line = (method: string, params: Record<string, unknown>) => JSON.stringify({ method, params });
const turn = (method: "turn/started" | "turn/completed", threadId: string, turnId: string, extra: Record<string, unknown> = {}) =>
  line(method, { threadId, turn: { id: turnId, status: method === "turn/started" ? "inProgress" : "completed", error: null, ...extra } });

describe("observeLines", () => {
  it("takes the first thread, binds a started turn to the sent prompt, and moves past it on completion", () => {
    let p: JobProgress = INITIAL_PROGRESS;
    p = observeLines(p, [line("thread/started", { thread: { id: "thr" } })]) ?? p;
    expect(p.threadId).toBe("thr");
    expect(observeLines(p, [line("thread/started", { thread: { id: "other" } })])).toBeNull();
    p = { ...p, sentPrompt: 0 };
    p = observeLines(p, [turn("turn/started", "thr", "t1"), line("item/agentMessage/delta", { threadId: "thr", delta: "x" })]) ?? p;
    expect(p).toMatchObject({ activeTurn: { turnId: "t1", prompt: 0 }, sentPrompt: null, nextPrompt: 0 });
    p = observeLines({ ...p, attempts: 2 }, [turn("turn/completed", "thr", "t1", { status: "failed", error: { message: "model said no" } })]) ?? p;
    expect(p).toMatchObject({ nextPrompt: 1, activeTurn: null, attempts: 0, lastTurn: { turnId: "t1", prompt: 0, status: "failed", error: "model said no" } });
  });

  it("ignores other threads, unbound turns, requests and garbage", () => {
    const p: JobProgress = { ...INITIAL_PROGRESS, threadId: "thr", sentPrompt: 1 };
    expect(
      observeLines(p, [
        turn("turn/started", "other", "t9"),
        turn("turn/completed", "thr", "t-unknown"),
        '{"method":"turn/started","params":',
        "not json",
      ]),
    ).toBeNull();
    // A request (id + method) never moves the turn; it is a pending server request (see pendingRequests.test.ts).
    const asRequest = observeLines(p, [JSON.stringify({ id: 4, method: "turn/started", params: { threadId: "thr", turn: { id: "t" } } })]);
    expect(asRequest).toEqual({ ...p, pendingRequests: [{ id: 4, method: "turn/started", threadId: "thr" }] });
  });

  it("handles a turn started and completed in one read", () => {
    const p: JobProgress = { ...INITIAL_PROGRESS, threadId: "thr", sentPrompt: 2, nextPrompt: 2 };
    expect(observeLines(p, [turn("turn/started", "thr", "t"), turn("turn/completed", "thr", "t")])).toMatchObject({ nextPrompt: 3, activeTurn: null });
  });
});

describe("readProgress", () => {
  it("defaults missing or partial progress", () => {
    expect(readProgress({})).toEqual(INITIAL_PROGRESS);
    expect(readProgress({ progress: { nextPrompt: 3 } })).toEqual({ ...INITIAL_PROGRESS, nextPrompt: 3 });
  });
});
