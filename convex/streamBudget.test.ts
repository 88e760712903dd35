/**
 * The deltas query stays inside its read and answer budget for any number of
 * cursors and any stream size: it returns what fits and cursors to continue
 * from, never an error, and readers that keep asking get every stream's whole
 * text. convex-test runs with `transactionLimits: true`, so a query reading
 * past Convex's limits fails here as it would on a deployment.
 */
import { describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, runInCodex, type TestConvexApp } from "../test/convexTest.js";
import { HEAVY_TEST_TIMEOUT_MS } from "../test/support/component.js";
import { agentDelta, agentItem, threadStarted, toEvents, turnStarted } from "../test/support/events.js";
import { DELTA_GRACE_MS, MAX_BATCH_BYTES, MAX_DELTAS_ANSWER_CHARS, MAX_STREAM_CURSORS } from "../src/shared/limits.js";
import type { StreamCursor, StreamsResult } from "../src/shared/validators.js";

const ALICE = { subject: "alice", tokenIdentifier: "test|alice" };

/** `streams` agent messages streaming at once in one turn, each `deltas` deltas of `deltaChars` characters, their deltas interleaved, `batch` events per ingest call. */
async function parallelStreams(t: TestConvexApp, streams: number, deltas: number, deltaChars: number, batch: number, complete: boolean) {
  const texts = Array.from({ length: streams }, () => [] as string[]);
  const lines = [threadStarted("th-1"), turnStarted("th-1", "tu-1")];
  for (let s = 0; s < streams; s++) lines.push(agentItem("item/started", "th-1", "tu-1", `it-${s}`, ""));
  for (let d = 0; d < deltas; d++) {
    for (let s = 0; s < streams; s++) {
      const text = `${s}:${d};`.padEnd(deltaChars, String.fromCharCode(97 + (d % 26)));
      texts[s]!.push(text);
      lines.push(agentDelta("th-1", "tu-1", `it-${s}`, text));
    }
  }
  // Completed with a final text that differs from what streamed, so each stream keeps a compacted base of its own
  // (a text equal to its stream is kept as the stream's chunks instead, and readers then get no rebased answer).
  if (complete) for (let s = 0; s < streams; s++) lines.push(agentItem("item/completed", "th-1", "tu-1", `it-${s}`, `${texts[s]!.join("")} (final)`));
  const alice = t.withIdentity(ALICE);
  await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
  const events = toEvents(lines);
  for (let i = 0; i < events.length; ) {
    // At most `batch` events and MAX_BATCH_BYTES of lines per call, as the outbox cuts batches.
    let j = i + 1;
    for (let bytes = events[i]!.line.length; j < events.length && j - i < batch && bytes + events[j]!.line.length <= MAX_BATCH_BYTES; j++) bytes += events[j]!.line.length;
    const result = await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events.slice(i, j) });
    expect(result.gap).toBeNull();
    i = j;
  }
  return { alice, texts: texts.map((pieces) => pieces.join("")) };
}

/** Every stream of the thread (live or finished), in item order, with its item's index. */
async function allStreams(t: TestConvexApp): Promise<Array<{ streamId: string; item: number }>> {
  const rows = await runInCodex(t, async (ctx) => ctx.db.query("streams").collect());
  return rows.map((s) => ({ streamId: s._id as string, item: Number(s.itemId.slice(3)) })).sort((a, b) => a.item - b.item);
}

/**
 * Polls with every cursor until each reaches its stream's end, as a reader
 * does; checks each answer's text is within the budget.
 * @returns the text each stream gave (rebased text replaces what was read) and the number of calls.
 */
async function readAll(alice: ReturnType<TestConvexApp["withIdentity"]>, ids: string[], start: number) {
  let cursors: StreamCursor[] = ids.map((streamId) => ({ streamId, cursor: start }));
  const texts = new Map(ids.map((id) => [id, ""]));
  for (let calls = 1; calls <= 200; calls++) {
    const r = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "deltas", cursors } });
    const answer = r.streams as Extract<StreamsResult, { kind: "deltas" }>;
    let chars = 0;
    for (const a of answer.answers) {
      expect(a.status).not.toBe("stale");
      if (a.status === "rebased") {
        texts.set(a.streamId, a.text ?? "");
        chars += (a.text ?? "").length;
      }
    }
    for (const d of answer.deltas) {
      const at = cursors.find((c) => c.streamId === d.streamId)!;
      if (d.start === at.cursor) {
        texts.set(d.streamId, texts.get(d.streamId)! + d.text);
        at.cursor = d.end;
      }
      chars += d.text.length;
    }
    // Only the first thing an answer carries may go past what is left of the budget (never more than one chunk).
    expect(chars).toBeLessThanOrEqual(MAX_DELTAS_ANSWER_CHARS + 128 * 1024);
    cursors = answer.nextCheckpoints;
    if (answer.answers.every((a) => cursors.find((c) => c.streamId === a.streamId)!.cursor === a.nextCursor)) return { texts, calls };
  }
  throw new Error("readers did not reach the ends of the streams in 200 calls");
}

describe("deltas query budget", () => {
  test(`${MAX_STREAM_CURSORS} cursors on large live streams: answers within budget, continuation cursors, eventually every whole text`, async () => {
    const t = initConvexTest();
    // 64 streams × 256 KiB (8 KiB deltas) = 16 MiB of live text: 4× the answer budget.
    const { alice, texts } = await parallelStreams(t, MAX_STREAM_CURSORS, 32, 8 * 1024, 64, false);
    const ids = (await allStreams(t)).map((s) => s.streamId);
    expect(ids).toHaveLength(MAX_STREAM_CURSORS);
    const { texts: read, calls } = await readAll(alice, ids, 0);
    expect(calls).toBeGreaterThanOrEqual(4);
    ids.forEach((id, s) => expect(read.get(id)).toBe(texts[s]));
  }, HEAVY_TEST_TIMEOUT_MS * 4);

  test("16 cursors on compacted 1 MiB streams: rebased texts come a few per answer, never 'Read too much data'", async () => {
    vi.useFakeTimers();
    try {
      const t = initConvexTest();
      // 16 streams × 1 MiB (64 KiB deltas), completed and compacted: each reader behind gets a 1 MiB rebased text.
      const { alice, texts } = await parallelStreams(t, 16, 16, 64 * 1024, 16, true);
      vi.advanceTimersByTime(DELTA_GRACE_MS);
      for (let i = 0; i < 40; i++) {
        vi.advanceTimersByTime(1);
        await t.finishInProgressScheduledFunctions();
      }
      const compacted = await runInCodex(t, async (ctx) => ctx.db.query("streams").collect());
      expect(compacted.map((s) => s.compactedCursor)).toEqual(compacted.map(() => 16));
      expect(await runInCodex(t, async (ctx) => ctx.db.query("deltas").collect())).toEqual([]);
      const finished = await allStreams(t);
      expect(finished).toHaveLength(16);
      const { texts: read, calls } = await readAll(alice, finished.map((f) => f.streamId), 0);
      expect(calls).toBeGreaterThanOrEqual(4);
      finished.forEach(({ streamId, item }) => expect(read.get(streamId)).toBe(texts[item]));
    } finally {
      vi.useRealTimers();
    }
  }, HEAVY_TEST_TIMEOUT_MS * 4);
});
