/**
 * The deltas query's per-stream answers (`ok`, `rebased`, `stale`,
 * `nextCheckpoints`), compaction after the grace period, live compaction,
 * expiry, raw reasoning visibility, and long deltas.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { DELTA_GRACE_MS, LIVE_COMPACT_THRESHOLD_DELTAS, STREAM_RETENTION_MS } from "../src/shared/limits.js";
import type { StreamCursor, StreamInfo } from "../src/shared/validators.js";
import { initConvexTest, type TestConvexApp } from "../test/convexTest.js";
import { dumpTables, HEAVY_TEST_TIMEOUT_MS, ingestLines, largestDocument } from "../test/support/component.js";
import { agentDelta, agentItem, notification, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";
import { testHost } from "../test/support/testHost.js";

const NONE = { numItems: 0, cursor: null };
type User = Awaited<ReturnType<typeof ingestLines>>;

async function listStreams(user: User, threadId = "th-1"): Promise<StreamInfo[]> {
  const r = await user.query(api.codex.listMessages, { threadId, paginationOpts: NONE, streamArgs: { kind: "list" } });
  return r.streams?.kind === "list" ? r.streams.streams : [];
}

async function ask(user: User, cursors: StreamCursor[], threadId = "th-1") {
  const r = await user.query(api.codex.listMessages, { threadId, paginationOpts: NONE, streamArgs: { kind: "deltas", cursors } });
  if (r.streams?.kind !== "deltas") throw new Error("no deltas answer");
  return r.streams;
}

/**
 * A streaming turn whose deltas `chunks` arrive one ingest batch each (so one
 * stored chunk each: the cursors 0, 1, 2… are all chunk boundaries).
 */
async function streamingTurn(t: TestConvexApp, chunks: string[]) {
  const user = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1"), agentItem("item/started", "th-1", "tu-1", "it-1", "")]);
  for (const c of chunks) await ingestLines(t, [agentDelta("th-1", "tu-1", "it-1", c)]);
  return user;
}

/** Runs the scheduled functions due now (and those they schedule for now), leaving later ones pending. */
async function runDueNow(t: TestConvexApp): Promise<void> {
  for (let i = 0; i < 20; i++) {
    vi.advanceTimersByTime(1);
    await t.finishInProgressScheduledFunctions();
  }
}

afterEach(() => {
  vi.useRealTimers();
});

describe("deltas answers", () => {
  test("ok from any cursor, with nextCheckpoints; stale for unknown, foreign or out-of-range cursors", async () => {
    const t = initConvexTest();
    const alice = await streamingTurn(t, ["a", "b", "c"]);
    await ingestLines(t, [threadStarted("th-2"), agentDelta("th-2", "tu-9", "it-9", "other")]);
    const [stream] = await listStreams(alice);
    const [foreign] = await listStreams(alice, "th-2");
    const answer = await ask(alice, [
      { streamId: stream!.streamId, cursor: 1 },
      { streamId: "not-an-id", cursor: 0 },
      { streamId: foreign!.streamId, cursor: 0 },
      { streamId: stream!.streamId, cursor: 9 },
    ]);
    expect(answer.answers).toEqual([
      { streamId: stream!.streamId, status: "ok", cursor: 1, state: "streaming", nextCursor: 3 },
      { streamId: "not-an-id", status: "stale", cursor: 0 },
      { streamId: foreign!.streamId, status: "stale", cursor: 0 },
      { streamId: stream!.streamId, status: "stale", cursor: 9 },
    ]);
    expect(answer.deltas.map((d) => d.text).join("")).toBe("bc");
    expect(answer.nextCheckpoints).toEqual([{ streamId: stream!.streamId, cursor: 3 }]);
  });

  test("after item/completed and the grace period, deltas are folded: readers behind are rebased, then the stream expires", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const chunks = ["The ", "quick ", "fox."];
    const alice = await streamingTurn(t, chunks);
    const [stream] = await listStreams(alice);
    const id = stream!.streamId;
    await ingestLines(t, [agentItem("item/completed", "th-1", "tu-1", "it-1", chunks.join(""))]);
    // Within the grace period the deltas still answer.
    expect((await ask(alice, [{ streamId: id, cursor: 0 }])).answers[0]?.status).toBe("ok");
    await alice.mutation(api.codex.saveCheckpoints, { deviceId: "phone", threadId: "th-1", cursors: [{ streamId: id, cursor: 1 }] });

    vi.advanceTimersByTime(DELTA_GRACE_MS);
    await t.finishInProgressScheduledFunctions();
    expect((await dumpTables(t)).deltas).toEqual([]);
    const rebased = await ask(alice, [{ streamId: id, cursor: 1 }]);
    expect(rebased).toEqual({
      kind: "deltas",
      deltas: [],
      answers: [{ streamId: id, status: "rebased", cursor: 3, text: "The quick fox.", omittedChars: 0, state: "finished", nextCursor: 3 }],
      nextCheckpoints: [{ streamId: id, cursor: 3 }],
    });
    expect((await ask(alice, [{ streamId: id, cursor: 3 }])).answers[0]).toMatchObject({ status: "ok", cursor: 3 });

    vi.advanceTimersByTime(STREAM_RETENTION_MS);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await ask(alice, [{ streamId: id, cursor: 3 }])).answers[0]?.status).toBe("stale");
    const tables = await dumpTables(t);
    expect(tables.streams).toEqual([]);
    expect(tables.checkpoints).toEqual([]);
    expect(tables.parts).toEqual([]);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("a live stream past the threshold is compacted while streaming; late readers are rebased and catch up", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const chunks = Array.from({ length: LIVE_COMPACT_THRESHOLD_DELTAS + 10 }, (_, i) => `${i},`);
    const alice = await streamingTurn(t, chunks);
    await runDueNow(t);
    const [stream] = await listStreams(alice);
    expect(stream).toMatchObject({ state: "streaming", nextCursor: chunks.length });
    expect((await dumpTables(t)).deltas.length).toBeLessThan(chunks.length);
    await ingestLines(t, [agentDelta("th-1", "tu-1", "it-1", "end")]);
    const answer = await ask(alice, [{ streamId: stream!.streamId, cursor: 0 }]);
    expect(answer.answers[0]).toMatchObject({ status: "rebased", state: "streaming" });
    const text = (answer.answers[0]?.text ?? "") + answer.deltas.map((d) => d.text).join("");
    expect(text).toBe(chunks.join("") + "end");
    expect(answer.nextCheckpoints).toEqual([{ streamId: stream!.streamId, cursor: chunks.length + 1 }]);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("a late delta of an ended turn is kept, and its stream closed again", async () => {
    const t = initConvexTest();
    const alice = await streamingTurn(t, ["early "]);
    const [stream] = await listStreams(alice);
    await ingestLines(t, [turnCompleted("th-1", "tu-1"), agentDelta("th-1", "tu-1", "it-1", "late")]);
    expect(await listStreams(alice)).toEqual([]);
    const answer = await ask(alice, [{ streamId: stream!.streamId, cursor: 0 }]);
    expect(answer.answers[0]).toMatchObject({ status: "ok", state: "finished", nextCursor: 2 });
    expect(answer.deltas.map((d) => d.text).join("")).toBe("early late");
  });

  test("a delta longer than a document holds is kept in parts and read back whole", async () => {
    const t = initConvexTest();
    const big = "é".repeat(600_000) + "🙂".repeat(100_000);
    const alice = await streamingTurn(t, [big, "tail"]);
    const [stream] = await listStreams(alice);
    const answer = await ask(alice, [{ streamId: stream!.streamId, cursor: 0 }]);
    expect(answer.deltas.map((d) => d.text)).toEqual([big, "tail"]);
    expect((await largestDocument(t)).bytes).toBeLessThan(1024 * 1024);
  }, HEAVY_TEST_TIMEOUT_MS);
});

describe("raw reasoning", () => {
  const lines = [
    threadStarted("th-1"),
    turnStarted("th-1", "tu-1"),
    notification("item/reasoning/summaryTextDelta", { threadId: "th-1", turnId: "tu-1", itemId: "rs-1", delta: "Summary.", summaryIndex: 0 }),
    notification("item/reasoning/textDelta", { threadId: "th-1", turnId: "tu-1", itemId: "rs-1", delta: "Secret chain.", contentIndex: 0 }),
  ];

  test("is hidden from hosts that do not opt in, and shown to those that do", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, lines);
    const hidden = await listStreams(alice);
    expect(hidden.map((s) => s.kind)).toEqual(["reasoningSummary"]);
    const all = await alice.query(testHost.rawListMessages, { threadId: "th-1", paginationOpts: NONE, streamArgs: { kind: "list" } });
    const streams = all.streams?.kind === "list" ? all.streams.streams : [];
    const raw = streams.find((s) => s.kind === "reasoningText")!;
    expect((await ask(alice, [{ streamId: raw.streamId, cursor: 0 }])).answers[0]?.status).toBe("stale");

    const item = { type: "reasoning", id: "rs-1", summary: ["Summary."], content: ["Secret chain."] };
    await ingestLines(t, [notification("item/completed", { threadId: "th-1", turnId: "tu-1", item, completedAtMs: 9 }), turnCompleted("th-1", "tu-1")]);
    const plain = await alice.query(api.codex.getMessageText, { threadId: "th-1", itemId: "rs-1" });
    expect(JSON.stringify(plain)).not.toContain("Secret chain.");
    expect(await alice.query(testHost.rawGetMessageText, { threadId: "th-1", itemId: "rs-1" })).toEqual({
      text: "Summary.",
      item: JSON.stringify(item),
      reasoningContent: ["Secret chain."],
    });
  });
});
