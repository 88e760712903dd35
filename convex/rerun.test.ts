/**
 * Messages and streams are keyed by (thread, turn, item): a turn rerun after a
 * crash whose model reuses an item id keeps the cut-off answer and gets a
 * message and stream of its own; a finished stream is never reopened; text
 * is never replaced by less.
 */
import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, runInCodex, type TestConvexApp } from "../test/convexTest.js";
import { ALICE, dumpTables, ingestLines } from "../test/support/component.js";
import { agentDelta, agentItem, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";

const TH = "th-1";

async function deltasFromZero(t: TestConvexApp, streamId: string): Promise<string> {
  const page = await t.withIdentity(ALICE).query(api.codex.listMessages, {
    threadId: TH,
    paginationOpts: { numItems: 0, cursor: null },
    streamArgs: { kind: "deltas", cursors: [{ streamId, cursor: 0 }] },
  });
  return page.streams?.kind === "deltas" ? page.streams.deltas.map((d) => d.text).join("") : "";
}

async function messages(t: TestConvexApp) {
  const page = await t.withIdentity(ALICE).query(api.codex.listMessages, { threadId: TH, paginationOpts: { numItems: 10, cursor: null }, order: "asc" });
  return page.page.map((m) => ({ turnId: m.turnId, itemId: m.itemId, status: m.status, text: m.text }));
}

describe("items keyed by thread, turn and item", () => {
  test("a rerun turn that reuses an item id keeps the cut-off answer and does not double streamed text", async () => {
    const t = initConvexTest();
    await ingestLines(t, [threadStarted(TH), turnStarted(TH, "tu-1"), agentItem("item/started", TH, "tu-1", "it-1", ""), agentDelta(TH, "tu-1", "it-1", "Hello "), agentDelta(TH, "tu-1", "it-1", "wor")]);
    await ingestLines(t, [JSON.stringify({ method: "bridge/turnFailed", params: { threadId: TH, turnId: "tu-1", reason: "codex was killed" } })], { origin: "bridge" });
    await ingestLines(t, [
      turnStarted(TH, "tu-2"),
      agentItem("item/started", TH, "tu-2", "it-1", ""),
      agentDelta(TH, "tu-2", "it-1", "Hello "),
      agentDelta(TH, "tu-2", "it-1", "world!"),
      agentItem("item/completed", TH, "tu-2", "it-1", "Hello world!"),
      turnCompleted(TH, "tu-2"),
    ]);
    expect(await messages(t)).toEqual([
      { turnId: "tu-1", itemId: "it-1", status: "failed", text: "Hello wor" },
      { turnId: "tu-2", itemId: "it-1", status: "completed", text: "Hello world!" },
    ]);
    const streams = (await dumpTables(t)).streams;
    expect(streams.map((s) => [s.turnId, s.itemId, s.state, s.nextCursor])).toEqual([
      ["tu-1", "it-1", "finished", 2],
      ["tu-2", "it-1", "finished", 2],
    ]);
    // Each stream replays exactly its own text.
    const rows = await runInCodex(t, async (ctx) =>
      (await ctx.db.query("streams").collect()).map((s) => ({ id: s._id as string, turnId: s.turnId })),
    );
    for (const row of rows) expect(await deltasFromZero(t, row.id)).toBe(row.turnId === "tu-1" ? "Hello wor" : "Hello world!");
    // getMessageText by turn, and the newest one without it.
    const alice = t.withIdentity(ALICE);
    expect((await alice.query(api.codex.getMessageText, { threadId: TH, itemId: "it-1", turnId: "tu-1" }))?.text).toBe("Hello wor");
    expect((await alice.query(api.codex.getMessageText, { threadId: TH, itemId: "it-1" }))?.text).toBe("Hello world!");
  });

  test("a finished stream is never reopened, and a late item/started keeps the text and status", async () => {
    const t = initConvexTest();
    await ingestLines(t, [
      threadStarted(TH),
      turnStarted(TH, "tu-1"),
      agentItem("item/started", TH, "tu-1", "it-1", ""),
      agentDelta(TH, "tu-1", "it-1", "Done."),
      agentItem("item/completed", TH, "tu-1", "it-1", "Done."),
      // Late and repeated lines of the same item in the same, still running turn.
      agentDelta(TH, "tu-1", "it-1", " extra"),
      agentItem("item/started", TH, "tu-1", "it-1", ""),
    ]);
    expect(await messages(t)).toEqual([{ turnId: "tu-1", itemId: "it-1", status: "completed", text: "Done." }]);
    const [stream] = (await dumpTables(t)).streams;
    expect(stream).toMatchObject({ state: "finished", nextCursor: 2 });
    // The late delta is kept (nothing received is dropped), after the others.
    expect((await dumpTables(t)).deltas.map((d) => [d.start, d.text])).toEqual([[0, "Done."], [1, " extra"]]);
  });
});
