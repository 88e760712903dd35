/**
 * Stream storage cost: the deltas of one ingest batch are stored as ONE chunk
 * per stream (documents follow batches, not delta events), and a long agent
 * message is kept once: its text, not again in its raw item nor in a
 * compacted copy of its stream.
 */
import { describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, runInCodex } from "../test/convexTest.js";
import { dumpTables } from "../test/support/component.js";
import { agentDelta, agentItem, threadStarted, toEvents, turnStarted } from "../test/support/events.js";
import { DELTA_GRACE_MS, MAX_ITEM_TEXT_COPY_CHARS } from "../src/shared/limits.js";

const ALICE = { subject: "alice", tokenIdentifier: "test|alice" };
const BATCH = 32;

describe("stream chunks", () => {
  test("a batch of deltas is one chunk per stream, cursors contiguous, whatever the batching; a long message is stored once", async () => {
    vi.useFakeTimers();
    try {
      const t = initConvexTest();
      const alice = t.withIdentity(ALICE);
      await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
      const deltas = Array.from({ length: 1000 }, (_, i) => `d${String(i).padStart(5, "0")}.`);
      const text = deltas.join("");
      expect(text.length).toBeGreaterThan(MAX_ITEM_TEXT_COPY_CHARS);
      const lines = [threadStarted("th-1"), turnStarted("th-1", "tu-1"), agentItem("item/started", "th-1", "tu-1", "it-1", ""), ...deltas.map((d) => agentDelta("th-1", "tu-1", "it-1", d))];
      const events = toEvents(lines);
      for (let i = 0; i < events.length; i += BATCH) await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events.slice(i, i + BATCH) });

      const stored = (await dumpTables(t)).deltas as Array<{ start: number; end: number; text: string }>;
      expect(stored.length).toBe(Math.ceil(events.length / BATCH)); // one chunk per batch, not one row per delta
      stored.sort((a, b) => a.start - b.start);
      stored.forEach((row, i) => expect(row.start).toBe(i === 0 ? 0 : stored[i - 1]!.end));
      expect(stored.at(-1)!.end).toBe(deltas.length);
      expect(stored.map((r) => r.text).join("")).toBe(text);

      await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: toEvents([agentItem("item/completed", "th-1", "tu-1", "it-1", text)], events.length + 1) });
      const message = (await dumpTables(t)).messages[0]!;
      expect(message).toMatchObject({ itemOmitsText: true });
      const got = await alice.query(api.codex.getMessageText, { threadId: "th-1", itemId: "it-1" });
      expect(got?.text).toBe(text);
      expect((JSON.parse(got!.item) as { text: string }).text).toBe(text);

      // After the grace period the deltas are folded without a copy: a reader behind gets the message text.
      vi.advanceTimersByTime(DELTA_GRACE_MS);
      for (let i = 0; i < 10; i++) {
        vi.advanceTimersByTime(1);
        await t.finishInProgressScheduledFunctions();
      }
      const after = await dumpTables(t);
      expect(after.deltas).toEqual([]);
      expect((after.parts as Array<{ field: string }>).filter((p) => p.field === "base")).toEqual([]);
      const streamId = await runInCodex(t, async (ctx) => (await ctx.db.query("streams").first())!._id as string);
      const rebased = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "deltas", cursors: [{ streamId, cursor: 0 }] } });
      expect(rebased.streams?.kind === "deltas" && rebased.streams.answers[0]).toMatchObject({ status: "rebased", text, cursor: deltas.length });
    } finally {
      vi.useRealTimers();
    }
  });
});
