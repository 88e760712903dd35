/**
 * Command output: every streamed byte is kept, a message whose streamed and
 * reported (`aggregatedOutput`) sizes differ is marked `outputIncomplete` and
 * its streamed output kept for good; when they agree the output is stored once.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { getConvexSize } from "convex/values";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, runInCodex, type TestConvexApp } from "../test/convexTest.js";
import { ALICE, HEAVY_TEST_TIMEOUT_MS, ingestLines } from "../test/support/component.js";
import { notification, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";
import { DELTA_GRACE_MS, STREAM_RETENTION_MS } from "../src/shared/limits.js";

const TH = "th-1";
const TU = "tu-1";
const CMD = "cmd-1";
/** Size of one streamed output chunk, in characters (ASCII, so bytes too). */
const CHUNK_CHARS = 64 * 1024;

function outputDelta(delta: string, itemId = CMD): string {
  return notification("item/commandExecution/outputDelta", { threadId: TH, turnId: TU, itemId, delta });
}

function commandItem(method: "item/started" | "item/completed", aggregatedOutput: string | null, itemId = CMD): string {
  return notification(method, {
    threadId: TH,
    turnId: TU,
    item: { type: "commandExecution", id: itemId, command: "make", cwd: "/w", status: method === "item/started" ? "inProgress" : "completed", aggregatedOutput, exitCode: 0 },
  });
}

/** `count` distinct ASCII chunks of `CHUNK_CHARS`. */
function chunks(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `chunk ${i} `.padEnd(CHUNK_CHARS - 1, String.fromCharCode(97 + (i % 26))) + "\n");
}

async function message(t: TestConvexApp, itemId = CMD) {
  const page = await t.withIdentity(ALICE).query(api.codex.listMessages, { threadId: TH, paginationOpts: { numItems: 10, cursor: null } });
  return page.page.find((m) => m.itemId === itemId)!;
}

/** Bytes of every document of the tables that may hold output text. */
async function storedBytes(t: TestConvexApp): Promise<number> {
  return runInCodex(t, async (ctx) => {
    let bytes = 0;
    for (const table of ["messages", "streams", "deltas", "parts"] as const) {
      for (const doc of await ctx.db.query(table).collect()) bytes += getConvexSize(doc as never);
    }
    return bytes;
  });
}

async function settle(t: TestConvexApp, ms: number): Promise<void> {
  vi.advanceTimersByTime(ms);
  await t.finishAllScheduledFunctions(vi.runAllTimers);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("command output", () => {
  test("streamed and reported output agree: stored once, read back whole, rebased from the message", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const parts = chunks(8);
    const output = parts.join("");
    await ingestLines(t, [threadStarted(TH), turnStarted(TH, TU), commandItem("item/started", null), ...parts.map((p) => outputDelta(p))]);
    await ingestLines(t, [commandItem("item/completed", output), turnCompleted(TH, TU)]);
    const m = await message(t);
    expect(m.outputIncomplete).toBeUndefined();
    expect(m.itemOmitsText).toBe(true);
    const alice = t.withIdentity(ALICE);
    const whole = await alice.query(api.codex.getMessageText, { threadId: TH, itemId: CMD });
    expect(whole?.text).toBe(output);
    expect((JSON.parse(whole!.item) as { aggregatedOutput: string }).aggregatedOutput).toBe(output);
    expect(whole?.streamedOutput).toBeUndefined();

    vi.advanceTimersByTime(DELTA_GRACE_MS);
    await t.finishInProgressScheduledFunctions();
    // Compacted without a second copy: the message text is the only copy of the output.
    const bytes = await storedBytes(t);
    expect(bytes).toBeGreaterThan(output.length);
    expect(bytes).toBeLessThan(output.length * 1.1);
    const [stream] = await runInCodex(t, async (ctx) => ctx.db.query("streams").collect());
    const rebased = await alice.query(api.codex.listMessages, {
      threadId: TH,
      paginationOpts: { numItems: 0, cursor: null },
      streamArgs: { kind: "deltas", cursors: [{ streamId: stream!._id, cursor: 0 }] },
    });
    expect(rebased.streams?.kind === "deltas" ? rebased.streams.answers[0] : undefined).toMatchObject({ status: "rebased", text: output, cursor: parts.length });
  }, HEAVY_TEST_TIMEOUT_MS);

  test("lost deltas and a cut aggregatedOutput: marked, both kept, the streamed output survives retention", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const parts = chunks(24);
    const received = parts.filter((_, i) => i < 10 || i > 13); // codex lost four deltas
    const streamed = received.join("");
    const full = parts.join("");
    const omitted = full.length - 16 * CHUNK_CHARS;
    const reported = full.slice(0, 8 * CHUNK_CHARS) + `\n… ${omitted} bytes omitted …\n` + full.slice(full.length - 8 * CHUNK_CHARS);
    await ingestLines(t, [threadStarted(TH), turnStarted(TH, TU), commandItem("item/started", null), ...received.map((p) => outputDelta(p))]);
    await ingestLines(t, [commandItem("item/completed", reported), turnCompleted(TH, TU)]);
    const mark = { streamedBytes: streamed.length, reportedBytes: new TextEncoder().encode(reported).length };
    expect((await message(t)).outputIncomplete).toEqual(mark);
    expect((await message(t)).itemOmitsText).toBe(true);

    await settle(t, DELTA_GRACE_MS);
    await settle(t, STREAM_RETENTION_MS * 2);
    const alice = t.withIdentity(ALICE);
    const whole = await alice.query(api.codex.getMessageText, { threadId: TH, itemId: CMD });
    expect(whole?.text).toBe(reported);
    expect(whole?.streamedOutput).toBe(streamed);
    expect((await message(t)).outputIncomplete).toEqual(mark);
    const streams = await runInCodex(t, async (ctx) => ctx.db.query("streams").collect());
    expect(streams.map((s) => [s.kind, s.durable, s.textBytes])).toEqual([["commandOutput", true, streamed.length]]);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("a late delta after item/completed is kept, and the mark follows it", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const parts = chunks(2);
    const output = parts.join("");
    await ingestLines(t, [threadStarted(TH), turnStarted(TH, TU), commandItem("item/started", null), ...parts.map((p) => outputDelta(p))]);
    await ingestLines(t, [commandItem("item/completed", output), outputDelta("late\n")]);
    await settle(t, DELTA_GRACE_MS);
    expect((await message(t)).outputIncomplete).toEqual({ streamedBytes: output.length + 5, reportedBytes: output.length });
    await settle(t, STREAM_RETENTION_MS * 2);
    const whole = await t.withIdentity(ALICE).query(api.codex.getMessageText, { threadId: TH, itemId: CMD });
    expect(whole?.streamedOutput).toBe(output + "late\n");
  }, HEAVY_TEST_TIMEOUT_MS);

  test("output only reported, never streamed: no mark", async () => {
    const t = initConvexTest();
    await ingestLines(t, [threadStarted(TH), turnStarted(TH, TU), commandItem("item/completed", "ok\n")]);
    expect(await message(t)).toMatchObject({ text: "ok\n", itemOmitsText: true });
    expect((await message(t)).outputIncomplete).toBeUndefined();
  });
});
