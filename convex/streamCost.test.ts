/**
 * The invariants behind the write cost of a streamed message (issue 11):
 * - ingest never writes the stream document per batch: where a stream ends is
 *   derived from its newest chunk, and equals the number of delta events;
 * - the per-batch deduplication write is the session's small ack row;
 * - a long agent message equal to its stream is stored once (in the stream),
 *   read back byte-exact; one that differs keeps both texts;
 * - a forged or foreign stream id is answered `stale`.
 * Every check reads through the public API or the tables; none is timed.
 */
import { describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { getConvexSize } from "convex/values";
import { DELTA_GRACE_MS, LAST_SEEN_STAMP_MAX_MS, LIVE_COMPACT_THRESHOLD_DELTAS, MAX_CHUNK_INLINE_CHARS, MAX_MESSAGE_INLINE_CHARS, STREAM_RETENTION_MS } from "../src/shared/limits.js";
import type { CodexEvent } from "../src/shared/validators.js";
import { initConvexTest, runInCodex, type TestConvexApp } from "../test/convexTest.js";
import { ALICE, BOB, HEAVY_TEST_TIMEOUT_MS } from "../test/support/component.js";
import { testHost } from "../test/support/testHost.js";
import { agentDelta, agentItem, threadStarted, toEvents, turnCompleted, turnStarted } from "../test/support/events.js";

const TH = "th-1";
const TU = "tu-1";
const IT = "it-1";

type User = ReturnType<TestConvexApp["withIdentity"]>;

/** Ingests `events` as session s-1 in batches of `batch`; expects no gap. */
async function ingest(user: User, events: CodexEvent[], batch: number): Promise<void> {
  for (let i = 0; i < events.length; i += batch) {
    const result = await user.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events.slice(i, i + batch) });
    expect(result.gap).toBeNull();
  }
}

/** Deltas of `text` split into pieces of `size` code units (never inside a surrogate pair). */
function pieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(text.length, i + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out;
}

/** A long text with multi-byte characters and surrogate pairs, `length` code units or about. */
function longText(length: number): string {
  const words = ["déjà ", "vu ", "日本語 ", "🙂 ", "plain ", "ascii\n"];
  let text = "";
  for (let i = 0; text.length < length; i++) text += words[i % words.length]! + i + " ";
  return text;
}

/** Replays a stream from cursor 0 as a second device does (following rebased answers and cursors); returns its whole text. */
async function replayFromZero(user: User, streamId: string): Promise<string> {
  let cursor = 0;
  let text = "";
  for (let call = 0; call < 1000; call++) {
    const page = await user.query(api.codex.listMessages, {
      threadId: TH,
      paginationOpts: { numItems: 0, cursor: null },
      streamArgs: { kind: "deltas", cursors: [{ streamId, cursor }] },
    });
    if (page.streams?.kind !== "deltas") throw new Error("no deltas answer");
    const answer = page.streams.answers[0]!;
    if (answer.status === "stale") throw new Error(`stream ${streamId} answered stale at ${cursor}`);
    let reached = cursor;
    if (answer.status === "rebased") {
      expect(answer.omittedChars ?? 0).toBe(0);
      text = answer.text ?? "";
      reached = answer.cursor;
    }
    for (const delta of page.streams.deltas) {
      if (delta.start !== reached) continue;
      text += delta.text;
      reached = delta.end;
    }
    const next = page.streams.nextCheckpoints[0]!.cursor;
    if (next >= (answer.nextCursor ?? 0)) return text;
    cursor = next;
  }
  throw new Error("replay did not finish");
}

/** Runs every scheduled function due within `ms` (compaction after DELTA_GRACE_MS, expiry after STREAM_RETENTION_MS). */
async function runScheduled(t: TestConvexApp, ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  for (let i = 0; i < 50; i++) {
    vi.advanceTimersByTime(1);
    await t.finishInProgressScheduledFunctions();
  }
}

async function streamDoc(t: TestConvexApp) {
  return runInCodex(t, async (ctx) => (await ctx.db.query("streams").first())!);
}

async function messageDoc(t: TestConvexApp) {
  return runInCodex(t, async (ctx) => (await ctx.db.query("messages").first())!);
}

async function textParts(t: TestConvexApp, field: string) {
  return runInCodex(t, async (ctx) => (await ctx.db.query("parts").collect()).filter((p) => p.field === field));
}

async function liveCursor(user: User): Promise<number | undefined> {
  const page = await user.query(api.codex.listMessages, { threadId: TH, paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "list" } });
  return page.streams?.kind === "list" ? page.streams.streams[0]?.nextCursor : undefined;
}

const start = [threadStarted(TH), turnStarted(TH, TU), agentItem("item/started", TH, TU, IT, "")];

describe("stream write cost (issue 11)", () => {
  test("a stream's end is derived from its chunks: nextCursor is the number of deltas, and ingest never patches the stream per batch", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    const deltas = Array.from({ length: 300 }, (_, i) => `${i};`);
    await ingest(alice, toEvents([...start, ...deltas.map((d) => agentDelta(TH, TU, IT, d))]), 7);
    expect(await liveCursor(alice)).toBe(deltas.length);
    const stream = await streamDoc(t);
    // The document is as created: no batch rewrote it (its own cursor and time stay those of its creation).
    expect(stream).toMatchObject({ nextCursor: 0, state: "streaming" });
    expect(stream.updatedAt).toBeLessThanOrEqual(stream._creationTime);
    // Chunks are contiguous and end where the stream does.
    const chunks = await runInCodex(t, (ctx) => ctx.db.query("deltas").collect());
    chunks.sort((a, b) => a.start - b.start).forEach((c, i) => expect(c.start).toBe(i === 0 ? 0 : chunks[i - 1]!.end));
    expect(chunks.at(-1)!.end).toBe(deltas.length);
    expect(await replayFromZero(alice, stream._id)).toBe(deltas.join(""));
    // A checkpoint may stand at the derived end, not past it.
    await alice.mutation(api.codex.saveCheckpoints, { deviceId: "d", threadId: TH, cursors: [{ streamId: stream._id, cursor: deltas.length }] });
    await expect(alice.mutation(api.codex.saveCheckpoints, { deviceId: "d", threadId: TH, cursors: [{ streamId: stream._id, cursor: deltas.length + 1 }] })).rejects.toThrow(
      /INVALID_ARGUMENT|must be an integer from 0 to 300/,
    );
  });

  test("a batch of deltas in mid-stream writes two documents: its chunk and the session's ack row", async () => {
    vi.useFakeTimers(); // a frozen clock: the session's and turn's stamps are fresh, as within a second of streaming
    try {
      const t = initConvexTest();
      const alice = t.withIdentity(ALICE);
      await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
      const deltas = Array.from({ length: 96 }, (_, i) => `${i}.`);
      const events = toEvents([...start, ...deltas.map((d) => agentDelta(TH, TU, IT, d))]);
      await ingest(alice, events.slice(0, 3 + 32), 35);
      for (const from of [35, 67]) {
        const { result, used } = await alice.mutation(testHost.measuredIngest, { sessionId: "s-1", events: events.slice(from, from + 32) });
        expect(result).toMatchObject({ applied: 32, gap: null });
        expect(used.documentsWritten).toBe(2);
      }
      expect(await liveCursor(alice)).toBe(deltas.length);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a paced batch in mid-stream writes only its chunk and the session's ack row, whatever the time since the last batch (up to a minute)", async () => {
    vi.useFakeTimers(); // the component's clock moves at a model's pace between batches
    try {
      const t = initConvexTest();
      const alice = t.withIdentity(ALICE);
      await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
      const gapsMs = [160, 640, 1_000, 1_500, 5_000, 20_000, 25_000]; // 53.3 s in all: within the turn's and session's stamp granularity
      const deltas = Array.from({ length: 8 * (gapsMs.length + 1) }, (_, i) => `${i}.`);
      const events = toEvents([...start, ...deltas.map((d) => agentDelta(TH, TU, IT, d))]);
      await ingest(alice, events.slice(0, 3 + 8), 11);
      for (const [k, gapMs] of gapsMs.entries()) {
        vi.advanceTimersByTime(gapMs);
        const from = 11 + 8 * k;
        const { result, used } = await alice.mutation(testHost.measuredIngest, { sessionId: "s-1", events: events.slice(from, from + 8) });
        expect(result).toMatchObject({ applied: 8, gap: null });
        expect({ gapMs, written: used.documentsWritten }).toEqual({ gapMs, written: 2 });
      }
      expect(await liveCursor(alice)).toBe(deltas.length);
      // The session's stamp lags its last call by at most its stamp granularity (a minute by default).
      const [session] = await alice.query(api.codex.listSessions, {});
      expect(session).toMatchObject({ sessionId: "s-1", stale: false });
      expect(Date.now() - session!.lastSeenAt).toBeLessThanOrEqual(LAST_SEEN_STAMP_MAX_MS);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a stream's chunk document stays small however large its batch: readers read the newest one to learn where the stream ends", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    const deltas = Array.from({ length: 32 }, (_, i) => `${i}:`.padEnd(8 * 1024, "x"));
    await ingest(alice, toEvents([...start, ...deltas.map((d) => agentDelta(TH, TU, IT, d))]), 40);
    const chunks = await runInCodex(t, (ctx) => ctx.db.query("deltas").collect());
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) expect(getConvexSize(chunk)).toBeLessThan(3 * MAX_CHUNK_INLINE_CHARS + 1024);
    expect(chunks.filter((c) => c.textParts !== undefined).length).toBeGreaterThan(0);
    expect(await liveCursor(alice)).toBe(deltas.length);
    expect(await replayFromZero(alice, (await streamDoc(t))._id)).toBe(deltas.join(""));
  });

  test("the per-batch deduplication write is the session's small ack row; a resent batch is a duplicate, a session without one resumes from its own ackedSeq", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    const events = toEvents([...start, agentDelta(TH, TU, IT, "a"), agentDelta(TH, TU, IT, "b")]);
    await ingest(alice, events, 2);
    expect(await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events.slice(2, 4) })).toMatchObject({ applied: 0, duplicates: 2, ackedSeq: 5 });
    expect(await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" })).toMatchObject({ ackedSeq: 5, created: false });
    expect(await alice.query(api.codex.listSessions, {})).toEqual([expect.objectContaining({ sessionId: "s-1", ackedSeq: 5 })]);
    const rows = await runInCodex(t, async (ctx) => ({ sessions: await ctx.db.query("sessions").collect(), acks: await ctx.db.query("sessionAcks").collect() }));
    expect(rows.acks.map((a) => a.ackedSeq)).toEqual([5]);
    expect(rows.sessions[0]).toMatchObject({ ackedSeq: 0, ackRef: rows.acks[0]!._id });
    // A session stored before ack rows existed (no ackRef) keeps its own ackedSeq and gets a row on its next batch.
    await runInCodex(t, async (ctx) => {
      await ctx.db.patch("sessions", rows.sessions[0]!._id, { ackRef: undefined, ackedSeq: 5 });
      await ctx.db.delete("sessionAcks", rows.acks[0]!._id);
    });
    expect(await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: toEvents([agentDelta(TH, TU, IT, "c")], 7) })).toMatchObject({ applied: 0, gap: { expectedSeq: 6, receivedSeq: 7 } });
    expect(await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: toEvents([agentDelta(TH, TU, IT, "c")], 6) })).toMatchObject({ applied: 1, ackedSeq: 6 });
    expect(await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" })).toMatchObject({ ackedSeq: 6 });
    expect(await replayFromZero(alice, (await streamDoc(t))._id)).toBe("abc");
  });

  test(
    "a long agent message equal to its stream is stored once, in the stream, and read back byte-exact before and after compaction and retention",
    async () => {
      vi.useFakeTimers();
      try {
        const t = initConvexTest();
        const alice = t.withIdentity(ALICE);
        await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
        const text = longText(3 * MAX_MESSAGE_INLINE_CHARS);
        const deltas = pieces(text, 40);
        const events = toEvents([...start, ...deltas.map((d) => agentDelta(TH, TU, IT, d)), agentItem("item/completed", TH, TU, IT, text), turnCompleted(TH, TU)]);
        await ingest(alice, events, 32);
        const message = await messageDoc(t);
        const stream = await streamDoc(t);
        expect(message).toMatchObject({ textStream: stream._id, textParts: 0, textLength: text.length, text: text.slice(0, MAX_MESSAGE_INLINE_CHARS) });
        expect(stream.holdsMessageText).toBe(true);
        expect(await textParts(t, "text")).toEqual([]); // no copy in the message's own parts
        const read = async () => (await alice.query(api.codex.getMessageText, { threadId: TH, itemId: IT }))?.text;
        expect(await read()).toBe(text);
        // The page shows the head and says the text is longer (the hooks then fetch it whole).
        const page = await alice.query(api.codex.listMessages, { threadId: TH, paginationOpts: { numItems: 10, cursor: null } });
        expect(page.page[0]).toMatchObject({ text: text.slice(0, MAX_MESSAGE_INLINE_CHARS), textParts: 0, textLength: text.length });
        expect(page.page[0]).not.toHaveProperty("textStream");

        // Compaction after the grace period keeps the chunks (they are the copy): nothing is written again.
        await runScheduled(t, DELTA_GRACE_MS);
        const chunks = await runInCodex(t, (ctx) => ctx.db.query("deltas").collect());
        expect(chunks.map((c) => c.text).join("")).toBe(text);
        expect(await textParts(t, "base")).toEqual([]);
        expect(await read()).toBe(text);
        expect(await replayFromZero(alice, stream._id)).toBe(text);
        // Past the retention the stream is kept: it holds the message's text.
        await runScheduled(t, STREAM_RETENTION_MS);
        expect(await streamDoc(t)).toMatchObject({ _id: stream._id, holdsMessageText: true });
        expect(await read()).toBe(text);
      } finally {
        vi.useRealTimers();
      }
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  test(
    "a stream compacted while live holds its message's text once: base parts plus the last chunks, no third copy",
    async () => {
      vi.useFakeTimers();
      try {
        const t = initConvexTest();
        const alice = t.withIdentity(ALICE);
        await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
        const deltas = Array.from({ length: LIVE_COMPACT_THRESHOLD_DELTAS + 700 }, (_, i) => `é${i % 10}`);
        const text = deltas.join("");
        expect(text.length).toBeGreaterThan(MAX_MESSAGE_INLINE_CHARS);
        const lines = deltas.map((d) => agentDelta(TH, TU, IT, d));
        const events = toEvents([...start, ...lines]);
        await ingest(alice, events, 256);
        await runScheduled(t, 0); // the live compaction ingest scheduled
        const live = await streamDoc(t);
        expect(live.compactedCursor).toBeGreaterThan(0);
        expect(await liveCursor(alice)).toBe(deltas.length);
        const completed = toEvents([agentItem("item/completed", TH, TU, IT, text), turnCompleted(TH, TU)], events.length + 1);
        await ingest(alice, completed, 2);
        expect(await messageDoc(t)).toMatchObject({ textStream: live._id, textParts: 0 });
        await runScheduled(t, DELTA_GRACE_MS);
        const base = (await textParts(t, "base")).map((p) => p.text).join("");
        const chunks = (await runInCodex(t, (ctx) => ctx.db.query("deltas").collect())).sort((a, b) => a.start - b.start);
        // Every code unit is stored exactly once: base, then the chunks after it.
        expect(base.length + chunks.reduce((n, c) => n + c.text.length, 0)).toBe(text.length);
        expect(base + chunks.map((c) => c.text).join("")).toBe(text);
        expect(await textParts(t, "text")).toEqual([]);
        expect((await alice.query(api.codex.getMessageText, { threadId: TH, itemId: IT }))?.text).toBe(text);
        expect(await replayFromZero(alice, live._id)).toBe(text);
      } finally {
        vi.useRealTimers();
      }
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  test("a text that disagrees with its stream keeps both: the message its own, the stream its own", async () => {
    vi.useFakeTimers();
    try {
      const t = initConvexTest();
      const alice = t.withIdentity(ALICE);
      await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
      const streamed = longText(2 * MAX_MESSAGE_INLINE_CHARS);
      // Same length and same UTF-8 size, one character changed in the middle: a size check alone would take them as equal.
      const middle = Math.floor(streamed.length / 2);
      const swapped = streamed[middle] === "a" ? "b" : "a";
      const reported = streamed.slice(0, middle) + swapped + streamed.slice(middle + 1);
      expect(reported.length).toBe(streamed.length);
      const events = toEvents([...start, ...pieces(streamed, 64).map((d) => agentDelta(TH, TU, IT, d)), agentItem("item/completed", TH, TU, IT, reported), turnCompleted(TH, TU)]);
      await ingest(alice, events, 32);
      const message = await messageDoc(t);
      expect(message.textStream).toBeUndefined();
      expect(message.textParts).toBeGreaterThan(0);
      const stream = await streamDoc(t);
      expect(stream.holdsMessageText).toBeUndefined();
      await runScheduled(t, DELTA_GRACE_MS);
      expect((await alice.query(api.codex.getMessageText, { threadId: TH, itemId: IT }))?.text).toBe(reported);
      expect(await replayFromZero(alice, stream._id)).toBe(streamed);
    } finally {
      vi.useRealTimers();
    }
  });

  test("a late delta after a message kept in its stream leaves the message's text as completed, and the stream keeps it too", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    const text = longText(MAX_MESSAGE_INLINE_CHARS + 100);
    const events = toEvents([...start, ...pieces(text, 100).map((d) => agentDelta(TH, TU, IT, d)), agentItem("item/completed", TH, TU, IT, text), agentDelta(TH, TU, IT, " late")]);
    await ingest(alice, events, 32);
    expect((await messageDoc(t)).textStream).toBeDefined();
    expect((await alice.query(api.codex.getMessageText, { threadId: TH, itemId: IT }))?.text).toBe(text);
    expect(await replayFromZero(alice, (await streamDoc(t))._id)).toBe(text + " late");
  });

  test("a forged, foreign or other-table stream id is answered stale, and a cursor past the derived end too", async () => {
    const t = initConvexTest();
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    await ingest(alice, toEvents([...start, agentDelta(TH, TU, IT, "mine")]), 10);
    const bob = t.withIdentity(BOB);
    await bob.mutation(api.codex.ensureSession, { sessionId: "s-1" });
    await ingest(bob, toEvents([...start, agentDelta(TH, TU, IT, "bob's")]), 10);
    const ids = await runInCodex(t, async (ctx) => ({
      streams: (await ctx.db.query("streams").collect()).map((s) => s._id as string),
      chunk: (await ctx.db.query("deltas").first())!._id as string,
      message: (await ctx.db.query("messages").first())!._id as string,
    }));
    const mine = ids.streams[0]!;
    const bobs = ids.streams[1]!;
    const cursors = [
      { streamId: bobs, cursor: 0 },
      { streamId: ids.chunk, cursor: 0 },
      { streamId: ids.message, cursor: 0 },
      { streamId: "not-an-id", cursor: 0 },
      { streamId: mine, cursor: 2 },
      { streamId: mine, cursor: 0 },
    ];
    const page = await alice.query(api.codex.listMessages, { threadId: TH, paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "deltas", cursors } });
    if (page.streams?.kind !== "deltas") throw new Error("no deltas answer");
    expect(page.streams.answers.map((a) => a.status)).toEqual(["stale", "stale", "stale", "stale", "stale", "ok"]);
    expect(page.streams.deltas.map((d) => d.text)).toEqual(["mine"]);
  });
});
