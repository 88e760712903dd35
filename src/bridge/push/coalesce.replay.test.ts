/**
 * Coalescing through the component: the same real codex 0.169 lines, pushed in
 * batches of 32 with and without coalescing (each batch coalesced on its own, as
 * the pusher does), leave the same messages, turns and server requests, and
 * every stream reads back the same text from cursor 0.
 */
import { describe, expect, it } from "vitest";
import { api } from "../../../example/convex/_generated/api.js";
import type { CodexEvent } from "../../shared/validators.js";
import { createConvexApp, runInCodex, type ConvexApp } from "../../../test/stand-ins/convexApp.js";
import { chunks, feedEvents, recordedLines, type TranscriptName } from "../../../test/support/codexFeeds.js";
import { toEvents } from "../../../test/support/events.js";
import { coalesceDeltas } from "./coalesce.js";

const ALICE = { subject: "alice", tokenIdentifier: "test|alice" };
const BATCH_EVENTS = 32;
/** Replays are heavy in convex-test on a shared machine; no assertion depends on speed. */
const REPLAY_TIMEOUT_MS = 240_000;

/** Pushes `events` in batches of {@link BATCH_EVENTS}, coalescing each batch when asked; returns the events sent. */
async function push(t: ConvexApp, events: CodexEvent[], coalesce: boolean): Promise<number> {
  const user = t.withIdentity(ALICE);
  await user.mutation(api.codex.ensureSession, { sessionId: "s-1" });
  let sent = 0;
  for (let i = 0; i < events.length; i += BATCH_EVENTS) {
    const rows = events.slice(i, i + BATCH_EVENTS);
    const batch = coalesce ? coalesceDeltas(rows) : rows;
    sent += batch.length;
    const answer = await user.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: batch });
    expect(answer).toMatchObject({ gap: null, ackedSeq: rows.at(-1)!.seq });
  }
  return sent;
}

/** What a reader sees: every message (with its full text), the turns, and each stream's text read from cursor 0. */
async function readAll(t: ConvexApp) {
  const user = t.withIdentity(ALICE);
  const threads = await user.query(api.codex.listThreads, { paginationOpts: { numItems: 10, cursor: null } });
  const out: Record<string, unknown> = {};
  for (const { threadId } of threads.page) {
    const page = await user.query(api.codex.listMessages, { threadId, order: "asc", paginationOpts: { numItems: 200, cursor: null } });
    const messages = [];
    for (const m of page.page) {
      const full = await user.query(api.codex.getMessageText, { threadId, itemId: m.itemId });
      messages.push({ itemId: m.itemId, kind: m.kind, status: m.status, text: full?.text, item: full?.item });
    }
    // Finished streams are no longer listed but still answer from a cursor until cleanup: find them in the table.
    const stored = await runInCodex(t, async (ctx) => (await ctx.db.query("streams").collect()).filter((s) => s.threadId === threadId));
    const streams: Record<string, string> = {};
    for (const s of stored) streams[`${s.itemId}/${s.kind}/${s.part}`] = await streamText(t, threadId, s._id);
    out[threadId] = { messages, streams, turns: withoutClockFields(await user.query(api.codex.listTurns, { threadId })) };
  }
  return out;
}

/** Fields that hold ids or times of day (when a batch was applied), which differ between two apps. */
const CLOCK_FIELDS = new Set(["_id", "_creationTime", "lastEventAt", "updatedAt", "watchdogAt", "finishedAt"]);

function withoutClockFields<T extends object>(docs: T[]): Array<Partial<T>> {
  return docs.map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => !CLOCK_FIELDS.has(k))) as Partial<T>);
}

/** A stream's text from cursor 0, following each answer's next checkpoint until nothing more comes. */
async function streamText(t: ConvexApp, threadId: string, streamId: string): Promise<string> {
  const user = t.withIdentity(ALICE);
  let cursor = 0;
  let text = "";
  for (;;) {
    const r = await user.query(api.codex.listMessages, {
      threadId,
      paginationOpts: { numItems: 0, cursor: null },
      streamArgs: { kind: "deltas", cursors: [{ streamId, cursor }] },
    });
    if (r.streams?.kind !== "deltas") throw new Error("expected a deltas answer");
    const answer = r.streams.answers[0]!;
    if (answer.status === "rebased") text = answer.text ?? "";
    for (const d of r.streams.deltas) text += d.text;
    const next = r.streams.nextCheckpoints.find((c) => c.streamId === streamId)?.cursor ?? cursor;
    if (next === cursor) return text;
    cursor = next;
  }
}

/** Pushes `events` into two fresh apps, plain and coalesced; expects the same reads. */
async function expectSameWithAndWithout(events: CodexEvent[]) {
  const plain = createConvexApp();
  const merged = createConvexApp();
  const sentPlain = await push(plain, events, false);
  const sentMerged = await push(merged, events, true);
  const read = await readAll(plain);
  expect(await readAll(merged)).toEqual(read);
  // Something was read: the thread has messages.
  expect(Object.values(read).length).toBeGreaterThan(0);
  return { sentPlain, sentMerged, read };
}

describe("coalesced pushes read back the same through the component", () => {
  for (const name of ["text-turn", "tools-turn", "approval-turn", "interrupt-turn"] satisfies TranscriptName[]) {
    it(`recorded ${name}`, async () => {
      const { sentPlain, sentMerged } = await expectSameWithAndWithout(toEvents(recordedLines(name)));
      expect(sentMerged).toBeLessThanOrEqual(sentPlain);
    }, REPLAY_TIMEOUT_MS);
  }

  it("a mixed thread of real turns with long streams, one delta per millisecond", async () => {
    const thread = "01a20604-df52-7590-a485-659004652b85";
    const events = feedEvents([
      { from: "tools-turn", withThreadStart: true, deltas: { msg_9: chunks(700, 8), rs_2: chunks(90, 8), call_4: chunks(60, 64) } },
      { from: "text-turn", threadId: thread, suffix: "-2", deltas: { msg_2: chunks(400, 8) } },
      { from: "interrupt-turn", threadId: thread, suffix: "-3" },
    ]);
    const { sentPlain, sentMerged, read } = await expectSameWithAndWithout(events);
    expect(sentMerged).toBeLessThan(sentPlain / 5);
    const messages = (read[thread] as { messages: Array<{ itemId: string; text?: string }> }).messages;
    expect(messages.find((m) => m.itemId === "msg_9")?.text).toBe(chunks(700, 8).join(""));
    expect(messages.find((m) => m.itemId === "msg_2-2")?.text).toBe(chunks(400, 8).join(""));
    const streams = (read[thread] as { streams: Record<string, string> }).streams;
    expect(streams["msg_9/agentText/0"]).toBe(chunks(700, 8).join(""));
  }, REPLAY_TIMEOUT_MS);
});
