/**
 * Thread and turn state from notifications: name, archive, deletion, fork
 * parent, settings, token usage, plan, diff, errors, reverts, and the bounded
 * event log for everything else.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { MAX_LOGGED_EVENTS_PER_SESSION, MAX_LOGGED_EVENTS_PER_THREAD } from "../src/shared/limits.js";
import { initConvexTest } from "../test/convexTest.js";
import { dumpTables, HEAVY_TEST_TIMEOUT_MS, ingestLines, largestDocument } from "../test/support/component.js";
import { agentMessageLines, notification, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";

const usage = (total: number) => ({
  total: { totalTokens: total, inputTokens: total - 8, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 8, reasoningOutputTokens: 0 },
  last: { totalTokens: 108, inputTokens: 100, cachedInputTokens: 0, cacheWriteInputTokens: 0, outputTokens: 8, reasoningOutputTokens: 0 },
  modelContextWindow: 200_000,
});

afterEach(() => {
  vi.useRealTimers();
});

describe("thread state", () => {
  test("name, archive, deletion, fork parent, settings and model reroutes", async () => {
    const t = initConvexTest();
    const forked = JSON.parse(threadStarted("th-2")) as { params: { thread: Record<string, unknown> } };
    Object.assign(forked.params.thread, { forkedFromId: "th-1", parentThreadId: "th-0", name: "Forked" });
    const alice = await ingestLines(t, [
      threadStarted("th-1"),
      notification("thread/name/updated", { threadId: "th-1", threadName: "Fix the build" }),
      notification("thread/archived", { threadId: "th-1" }),
      notification("thread/settings/updated", { threadId: "th-1", threadSettings: { cwd: "/w/other", model: "gpt-x" } }),
      notification("model/rerouted", { threadId: "th-1", turnId: "tu-1", fromModel: "gpt-x", toModel: "gpt-y", reason: "highRiskCyberActivity" }),
      notification("thread/status/changed", { threadId: "th-1", status: { type: "active", activeFlags: ["waitingOnApproval"] } }),
      JSON.stringify(forked),
      notification("thread/deleted", { threadId: "th-2" }),
    ]);
    expect(await alice.query(api.codex.getThread, { threadId: "th-1" })).toMatchObject({
      name: "Fix the build",
      archived: true,
      cwd: "/w/other",
      model: "gpt-y",
      status: "active",
      activeFlags: ["waitingOnApproval"],
    });
    expect(await alice.query(api.codex.getThread, { threadId: "th-2" })).toMatchObject({
      forkedFromId: "th-1",
      parentThreadId: "th-0",
      name: "Forked",
      deleted: true,
    });
    await ingestLines(t, [notification("thread/unarchived", { threadId: "th-1" }), notification("thread/name/updated", { threadId: "th-1" })]);
    const thread = await alice.query(api.codex.getThread, { threadId: "th-1" });
    expect(thread?.archived).toBe(false);
    expect(thread?.name).toBeUndefined();
  });

  test("turn token usage, plan, error and a 3 MB diff kept in parts", async () => {
    const t = initConvexTest();
    let diff = "";
    for (let i = 0; diff.length < 3 * 1024 * 1024; i++) diff += `+line ${i} ✓\n`;
    const alice = await ingestLines(t, [
      threadStarted("th-1"),
      turnStarted("th-1", "tu-1"),
      notification("thread/tokenUsage/updated", { threadId: "th-1", turnId: "tu-1", tokenUsage: usage(216) }),
      notification("turn/plan/updated", {
        threadId: "th-1",
        turnId: "tu-1",
        explanation: "Two steps",
        plan: [{ step: "Read", status: "completed" }, { step: "Write", status: "inProgress" }],
      }),
      notification("error", { threadId: "th-1", turnId: "tu-1", willRetry: true, error: { message: "stream disconnected", codexErrorInfo: null, additionalDetails: null } }),
    ]);
    await ingestLines(t, [notification("turn/diff/updated", { threadId: "th-1", turnId: "tu-1", diff })]);
    const [turn] = await alice.query(api.codex.listTurns, { threadId: "th-1" });
    expect(turn).toMatchObject({
      status: "inProgress",
      tokenUsage: usage(216),
      plan: { explanation: "Two steps", steps: [{ step: "Read", status: "completed" }, { step: "Write", status: "inProgress" }] },
      error: "stream disconnected",
      errorWillRetry: true,
      diffLength: diff.length,
    });
    expect(turn!.diffParts).toBeGreaterThan(1);
    expect(diff.startsWith(turn!.diff!)).toBe(true);
    expect(await alice.query(api.codex.getTurnDiff, { threadId: "th-1", turnId: "tu-1" })).toBe(diff);
    expect((await alice.query(api.codex.getThread, { threadId: "th-1" }))?.tokenUsage?.total.totalTokens).toBe(216);
    expect((await largestDocument(t)).bytes).toBeLessThan(1024 * 1024);
    // A shorter diff replaces it and its parts.
    await ingestLines(t, [notification("turn/diff/updated", { threadId: "th-1", turnId: "tu-1", diff: "small" })]);
    expect(await alice.query(api.codex.getTurnDiff, { threadId: "th-1", turnId: "tu-1" })).toBe("small");
    expect((await dumpTables(t)).parts.filter((p) => p.field === "diff")).toEqual([]);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("a revert the bridge requested flags the removed turns and their messages", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const lines = [threadStarted("th-1")];
    for (const turn of ["tu-1", "tu-2", "tu-3"]) {
      lines.push(turnStarted("th-1", turn), ...agentMessageLines("th-1", turn, `it-${turn}`, [`answer ${turn}`]), turnCompleted("th-1", turn));
    }
    const alice = await ingestLines(t, lines);
    await ingestLines(t, [JSON.stringify({ id: 7, method: "thread/revert", params: { threadId: "th-1", beforeTurnId: "tu-2" } })], { origin: "bridge" });
    await ingestLines(t, [notification("thread/reverted", { threadId: "th-1" }), JSON.stringify({ id: 7, result: {} })]);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const turns = await alice.query(api.codex.listTurns, { threadId: "th-1" });
    expect(turns.map((x) => [x.turnId, x.reverted ?? false])).toEqual([["tu-1", false], ["tu-2", true], ["tu-3", true]]);
    const page = await alice.query(api.codex.listMessages, { threadId: "th-1", order: "asc", paginationOpts: { numItems: 10, cursor: null } });
    expect(page.page.map((m) => [m.itemId, m.reverted ?? false])).toEqual([["it-tu-1", false], ["it-tu-2", true], ["it-tu-3", true]]);
    expect((await alice.query(api.codex.getThread, { threadId: "th-1" }))?.lastRevert).toMatchObject({
      beforeTurnId: "tu-2",
      fromTurnOrder: 1,
      fromItemOrder: 1,
      toItemOrder: 3,
    });
    // The bridge's request stays in the thread's log.
    const log = await alice.query(api.codex.listEvents, { threadId: "th-1", paginationOpts: { numItems: 10, cursor: null } });
    expect(log.page.map((e) => [e.origin, e.method])).toEqual([["bridge", "thread/revert"]]);
  });
});

describe("the event log", () => {
  test("keeps what is not applied, even lines with unexpected params, bounded per thread and per session", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, [
      threadStarted("th-1"),
      notification("turn/started", { threadId: "th-1" }),
      notification("item/commandExecution/terminalInteraction", { threadId: "th-1", turnId: "tu-1", itemId: "c", processId: "1", stdin: "y\n" }),
      notification("account/rateLimits/updated", { rateLimits: {} }),
    ]);
    const log = await alice.query(api.codex.listEvents, { threadId: "th-1", paginationOpts: { numItems: 10, cursor: null } });
    expect(log.page.map((e) => e.method)).toEqual(["item/commandExecution/terminalInteraction", "turn/started"]);
    const extra = 40;
    const lines: string[] = [];
    for (let i = 0; i < MAX_LOGGED_EVENTS_PER_THREAD + extra; i++) lines.push(notification("hook/started", { threadId: "th-1", turnId: null, run: { n: i } }));
    for (let i = 0; i < MAX_LOGGED_EVENTS_PER_SESSION + extra; i++) lines.push(notification("warning", { message: `w${i}` }));
    await ingestLines(t, lines);
    const tables = await dumpTables(t);
    const threadEvents = tables.events.filter((e) => e.threadId === "th-1");
    const sessionEvents = tables.events.filter((e) => e.threadId === undefined);
    expect(threadEvents).toHaveLength(MAX_LOGGED_EVENTS_PER_THREAD);
    expect(sessionEvents).toHaveLength(MAX_LOGGED_EVENTS_PER_SESSION);
    // The newest are kept.
    expect(String(threadEvents.at(-1)?.line)).toContain(`"n":${MAX_LOGGED_EVENTS_PER_THREAD + extra - 1}`);
    expect(String(sessionEvents.at(-1)?.line)).toContain(`w${MAX_LOGGED_EVENTS_PER_SESSION + extra - 1}`);
    expect(tables.threads[0]?.loggedEvents).toBe(MAX_LOGGED_EVENTS_PER_THREAD);
  }, HEAVY_TEST_TIMEOUT_MS);
});
