/**
 * The hooks' protocol against the real host query: what `useThreadStreams`,
 * `useStreamDeltas` and `useMessages` do on each answer, run as plain calls
 * (list the streams, ask deltas from the cursors read, fold, merge).
 */
import { describe, expect, test } from "vitest";
import { api } from "../../example/convex/_generated/api.js";
import { initConvexTest } from "../../test/convexTest.js";
import { agentDelta, agentItem, threadStarted, toEvents, turnStarted } from "../../test/support/events.js";
import { MAX_DELTAS_PER_STREAM } from "../shared/limits.js";
import { foldDeltas, mergeMessages, streamCursors, type StreamTexts } from "./mergeStreams.js";

const ALICE = { subject: "alice", tokenIdentifier: "test|alice" };
const NO_MESSAGES = { numItems: 0, cursor: null };

type Alice = ReturnType<ReturnType<typeof initConvexTest>["withIdentity"]>;

/** Ingests `lines` in batches of `batch` events (each batch stores one delta chunk per stream). */
async function ingest(user: Alice, lines: string[], batch = 200) {
  const { ackedSeq } = await user.mutation(api.codex.ensureSession, { sessionId: "s-1" });
  const events = toEvents(lines, ackedSeq + 1);
  for (let i = 0; i < events.length; i += batch) {
    const result = await user.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events.slice(i, i + batch) });
    expect(result.gap).toBeNull();
  }
}

/** One round of the hooks: list, ask deltas from the cursors, fold. Returns the calls made. */
async function follow(user: Alice, texts: StreamTexts): Promise<{ texts: StreamTexts; deltaCalls: number }> {
  const listed = await user.query(api.codex.listMessages, {
    threadId: "th-1",
    paginationOpts: NO_MESSAGES,
    streamArgs: { kind: "list" },
  });
  const live = listed.streams?.kind === "list" ? listed.streams.streams : [];
  let next = foldDeltas(texts, live, []);
  let deltaCalls = 0;
  for (;;) {
    // A hook keeps caught-up streams subscribed; here each round stops once caught up.
    const nextCursor = new Map(live.map((stream) => [stream.streamId, stream.nextCursor]));
    const cursors = streamCursors(live, next).filter((c) => c.cursor < (nextCursor.get(c.streamId) ?? 0));
    if (cursors.length === 0) return { texts: next, deltaCalls };
    const answer = await user.query(api.codex.listMessages, {
      threadId: "th-1",
      paginationOpts: NO_MESSAGES,
      streamArgs: { kind: "deltas", cursors },
    });
    deltaCalls++;
    const folded = foldDeltas(next, live, answer.streams?.kind === "deltas" ? answer.streams.deltas : []);
    if (folded === next) throw new Error("No progress: the stream has a gap or overlap.");
    next = folded;
  }
}

async function render(user: Alice, texts: StreamTexts) {
  const page = await user.query(api.codex.listMessages, {
    threadId: "th-1",
    paginationOpts: { numItems: 50, cursor: null },
    order: "desc",
    streamArgs: { kind: "list" },
  });
  const streams = page.streams?.kind === "list" ? page.streams.streams : [];
  return mergeMessages(page.page, { streams, texts });
}

describe("following a thread through listMessages", () => {
  test("reads a long stream in windows, follows new deltas, then the durable text takes over", async () => {
    const user = initConvexTest().withIdentity(ALICE);
    const chunks = Array.from({ length: 2 * MAX_DELTAS_PER_STREAM + 40 }, (_, i) => `${i} `);
    await ingest(user, [
      threadStarted("th-1"),
      turnStarted("th-1", "tu-1"),
      agentItem("item/completed", "th-1", "tu-1", "it-0", "Earlier answer"),
      agentItem("item/started", "th-1", "tu-1", "it-1", ""),
      ...chunks.map((c) => agentDelta("th-1", "tu-1", "it-1", c)),
    ], 1); // a delta per batch: one stored chunk per delta, more than MAX_DELTAS_PER_STREAM of them

    let round = await follow(user, new Map());
    expect(round.deltaCalls).toBe(3);
    let view = await render(user, round.texts);
    expect(view.map((m) => [m.itemId, m.streaming])).toEqual([
      ["it-0", false],
      ["it-1", true],
    ]);
    expect(view[1]?.text).toBe(chunks.join(""));

    await ingest(user, [agentDelta("th-1", "tu-1", "it-1", "more"), agentDelta("th-1", "tu-1", "it-1", "!")]);
    round = await follow(user, round.texts);
    expect(round.deltaCalls).toBe(1);
    view = await render(user, round.texts);
    expect(view[1]?.text).toBe(`${chunks.join("")}more!`);

    await ingest(user, [agentItem("item/completed", "th-1", "tu-1", "it-1", "Final answer")]);
    round = await follow(user, round.texts);
    expect(round.texts.size).toBe(0);
    view = await render(user, round.texts);
    expect(view[1]).toMatchObject({ status: "completed", text: "Final answer", streaming: false, streams: [] });
  });
});
