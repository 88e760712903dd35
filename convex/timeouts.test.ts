/**
 * Scheduled watchdogs: idle turns are closed as interrupted, idle streams are
 * finished, silent sessions are marked stale, and the bridge's
 * `bridge/turnFailed` fails a turn. Nothing waits for a later ingest.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import type { CodexEvent } from "../src/shared/validators.js";
import { DEFAULT_SESSION_STALE_MS, DEFAULT_TURN_IDLE_TIMEOUT_MS, LAST_EVENT_STAMP_MAX_MS, LAST_SEEN_STAMP_MAX_MS } from "../src/shared/limits.js";
import { initConvexTest, runInCodex, type TestConvexApp } from "../test/convexTest.js";
import { lastEventStampMs } from "./lib/turnWatch.js";
import { ALICE, dumpTables, ingestEvents, ingestLines } from "../test/support/component.js";
import { agentDelta, agentItem, notification, threadStarted, toEvents, turnStarted } from "../test/support/events.js";
import { QUICK_TIMEOUTS, testHost } from "../test/support/testHost.js";

const NONE = { numItems: 0, cursor: null };

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets `ms` pass and runs every scheduled function that came due. */
async function wait(t: TestConvexApp, ms: number): Promise<void> {
  const step = 1000;
  for (let passed = 0; passed < ms; passed += step) {
    vi.advanceTimersByTime(Math.min(step, ms - passed));
    await t.finishInProgressScheduledFunctions();
  }
}

/** One `ingestSafe` call of session s-1, as the bridge pushes a batch (no `ensureSession` first); expects it all applied. */
async function ingestBatch(user: ReturnType<TestConvexApp["withIdentity"]>, events: CodexEvent[]): Promise<void> {
  expect(await user.mutation(api.codex.ingestSafe, { sessionId: "s-1", events })).toMatchObject({ applied: events.length, gap: null });
}

const halfTurn = [
  threadStarted("th-1"),
  turnStarted("th-1", "tu-1"),
  agentItem("item/started", "th-1", "tu-1", "it-1", ""),
  agentDelta("th-1", "tu-1", "it-1", "Half an "),
  agentDelta("th-1", "tu-1", "it-1", "answer"),
];

describe("watchdogs", () => {
  test("a turn with no event for the default time is closed as interrupted, with the reason (never sooner, at most a stamp's lag later)", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, halfTurn);
    await wait(t, DEFAULT_TURN_IDLE_TIMEOUT_MS);
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]?.status).toBe("inProgress");
    await wait(t, LAST_EVENT_STAMP_MAX_MS + 1000);
    const [turn] = await alice.query(api.codex.listTurns, { threadId: "th-1" });
    expect(turn).toMatchObject({ status: "interrupted", error: expect.stringMatching(/No event for 1800 s/) });
    const page = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null }, streamArgs: { kind: "list" } });
    expect(page.page[0]).toMatchObject({ status: "interrupted", text: "Half an answer" });
    expect(page.streams).toEqual({ kind: "list", streams: [] });
  });

  test("events keep a turn open; with host-configured timeouts a silent stream is finished first", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(testHost.quickEnsureSession, { sessionId: "s-1" });
    await ingestEvents(t, toEvents(halfTurn));
    // Activity on the turn (not on the stream) for longer than the turn timeout.
    for (let i = 0; i < 4; i++) {
      await wait(t, 15_000);
      await ingestLines(t, [notification("turn/plan/updated", { threadId: "th-1", turnId: "tu-1", explanation: null, plan: [] })]);
    }
    const listed = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: NONE, streamArgs: { kind: "list" } });
    expect(listed.streams).toEqual({ kind: "list", streams: [] });
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]?.status).toBe("inProgress");
    await wait(t, QUICK_TIMEOUTS.turnIdleMs - 1000);
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]?.status).toBe("inProgress");
    await wait(t, lastEventStampMs(QUICK_TIMEOUTS.turnIdleMs) + 2000);
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]).toMatchObject({ status: "interrupted", error: expect.stringMatching(/No event for 60 s/) });
  });

  test("a paced stream keeps its turn open past the turn timeout, rewrites the turn about once per stamp granularity, and the turn closes between turnIdleMs and that much more after its last delta", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(testHost.quickEnsureSession, { sessionId: "s-1" });
    await ingestEvents(t, toEvents(halfTurn));
    const stampMs = lastEventStampMs(QUICK_TIMEOUTS.turnIdleMs); // 6 s
    const paceMs = 500;
    const streamedMs = 2 * QUICK_TIMEOUTS.turnIdleMs;
    const stamps = new Set<number>();
    for (let k = 0; k < streamedMs / paceMs; k++) {
      await wait(t, paceMs);
      await ingestBatch(alice, toEvents([agentDelta("th-1", "tu-1", "it-1", ` ${k}`)], halfTurn.length + 1 + k));
      const [turn] = await runInCodex(t, (ctx) => ctx.db.query("turns").collect());
      stamps.add(turn!.lastEventAt!);
      expect(Date.now() - turn!.lastEventAt!).toBeLessThanOrEqual(stampMs);
    }
    // About one turn write per stampMs (a stamp is due once older than stampMs: every 6.5 s at this pace), not one per second or batch.
    expect(stamps.size).toBeLessThanOrEqual(Math.ceil(streamedMs / stampMs) + 1);
    expect(stamps.size).toBeGreaterThanOrEqual(Math.floor(streamedMs / (stampMs + paceMs)));
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]?.status).toBe("inProgress");
    await wait(t, QUICK_TIMEOUTS.turnIdleMs - 1000);
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]?.status).toBe("inProgress");
    await wait(t, stampMs + 2000);
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]).toMatchObject({ status: "interrupted", error: expect.stringMatching(/No event for 60 s/) });
  });

  test("a paced session rewrites its session document at most once per stamp granularity, and is marked stale between sessionStaleMs and that much more after its last call", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(testHost.quickEnsureSession, { sessionId: "s-1" });
    await ingestBatch(alice, toEvents([threadStarted("th-1")]));
    const stampMs = Math.floor(QUICK_TIMEOUTS.sessionStaleMs / 10); // 3 s: a tenth of the quick 30 s
    const sessionStamps = new Set<number>();
    const paceMs = 500;
    const streamedMs = 3 * QUICK_TIMEOUTS.sessionStaleMs;
    for (let k = 0; k < streamedMs / paceMs; k++) {
      await wait(t, paceMs);
      await ingestBatch(alice, toEvents([notification("turn/plan/updated", { threadId: "th-1", turnId: "tu-1", explanation: null, plan: [] })], 2 + k));
      const [session] = await alice.query(api.codex.listSessions, {});
      sessionStamps.add(session!.lastSeenAt);
      expect(session!.stale).toBe(false);
      expect(Date.now() - session!.lastSeenAt).toBeLessThanOrEqual(stampMs);
    }
    // About one session write per stampMs (due once older than stampMs: every 3.5 s at this pace), not one per batch.
    expect(sessionStamps.size).toBeLessThanOrEqual(Math.ceil(streamedMs / stampMs) + 1);
    expect(sessionStamps.size).toBeGreaterThanOrEqual(Math.floor(streamedMs / (stampMs + paceMs)));
    await wait(t, QUICK_TIMEOUTS.sessionStaleMs - 1000);
    expect((await alice.query(api.codex.listSessions, {}))[0]?.stale).toBe(false);
    await wait(t, stampMs + 2000);
    expect((await alice.query(api.codex.listSessions, {}))[0]?.stale).toBe(true);
    // Its next batch clears it.
    await ingestBatch(alice, toEvents([notification("turn/plan/updated", { threadId: "th-1", turnId: "tu-1", explanation: null, plan: [] })], 2 + streamedMs / paceMs));
    expect((await alice.query(api.codex.listSessions, {}))[0]?.stale).toBe(false);
  });

  test("a silent session is marked stale (never sooner than its timeout, at most a stamp's lag later) and its next call clears it", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, [threadStarted("th-1")]);
    await wait(t, DEFAULT_SESSION_STALE_MS);
    expect(await alice.query(api.codex.listSessions, {})).toEqual([expect.objectContaining({ sessionId: "s-1", stale: false })]);
    await wait(t, LAST_SEEN_STAMP_MAX_MS + 1000);
    expect(await alice.query(api.codex.listSessions, {})).toEqual([expect.objectContaining({ stale: true })]);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    expect(await alice.query(api.codex.listSessions, {})).toEqual([expect.objectContaining({ stale: false })]);
    await wait(t, DEFAULT_SESSION_STALE_MS + LAST_SEEN_STAMP_MAX_MS + 1000);
    expect((await alice.query(api.codex.listSessions, {}))[0]?.stale).toBe(true);
  });

  test("bridge/turnFailed fails the turn with its reason, finishes its streams and settles its items", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, halfTurn);
    await ingestLines(
      t,
      [JSON.stringify({ method: "bridge/turnFailed", params: { threadId: "th-1", turnId: "tu-1", reason: "codex exited with signal SIGKILL" } })],
      { origin: "bridge" },
    );
    expect((await alice.query(api.codex.listTurns, { threadId: "th-1" }))[0]).toMatchObject({ status: "failed", error: "codex exited with signal SIGKILL" });
    const page = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null }, streamArgs: { kind: "list" } });
    expect(page.page[0]).toMatchObject({ status: "failed", text: "Half an answer" });
    expect(page.streams).toEqual({ kind: "list", streams: [] });
    // bridge/codexExited has no state to change: it stays in the session's log.
    await ingestLines(t, [JSON.stringify({ method: "bridge/codexExited", params: { code: null, signal: "SIGKILL", stderrTail: "" } })], { origin: "bridge" });
    expect((await dumpTables(t)).events.map((e) => e.method)).toEqual(["bridge/codexExited"]);
  });

  test("timeouts below the minimum are refused", async () => {
    const t = initConvexTest();
    await expect(t.withIdentity(ALICE).mutation(testHost.badEnsureSession, { sessionId: "s-1" })).rejects.toThrow(
      /INVALID_ARGUMENT|timeouts.turnIdleMs must be an integer of at least 1000/,
    );
  });
});
