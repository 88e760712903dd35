/**
 * Bounded documents: whatever codex sends (long output streamed or whole,
 * long diffs, huge unknown notifications, long server request params, long
 * raw reasoning), no stored document reaches Convex's 1 MiB limit, and reads
 * join the parts back byte-exact.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest } from "../test/convexTest.js";
import { dumpTables, HEAVY_TEST_TIMEOUT_MS, ingestLines, largestDocument } from "../test/support/component.js";
import { notification, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";
import { testHost } from "../test/support/testHost.js";

const MiB = 1024 * 1024;

/** About `bytes` of UTF-8 text mixing ASCII, 2-byte, 3-byte and 4-byte characters. */
function text(bytes: number): string {
  let out = "";
  for (let i = 0; out.length < bytes / 2; i++) out += `${i} é ✓ 🙂 ${"x".repeat(i % 50)}\n`;
  return out;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("bounded documents", () => {
  test("long streamed output, a huge unknown notification, long params and raw reasoning stay under 1 MiB per document", async () => {
    vi.useFakeTimers();
    const t = initConvexTest();
    const chunk = text(1.5 * MiB);
    const secret = text(2 * MiB);
    const params = text(1.2 * MiB);
    const alice = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1")]);
    for (let i = 0; i < 3; i++) {
      await ingestLines(t, [notification("item/commandExecution/outputDelta", { threadId: "th-1", turnId: "tu-1", itemId: "cmd", delta: chunk })]);
    }
    await ingestLines(t, [notification("some/future/notification", { threadId: "th-1", blob: chunk })]);
    await ingestLines(t, [JSON.stringify({ method: "item/tool/requestUserInput", id: 3, params: { threadId: "th-1", turnId: "tu-1", itemId: "q", questions: [params] } })]);
    const reasoning = { type: "reasoning", id: "rs", summary: ["short"], content: [secret] };
    await ingestLines(t, [notification("item/completed", { threadId: "th-1", turnId: "tu-1", item: reasoning, completedAtMs: 1 })]);
    // The command never completes: its turn ends and compaction folds its output into the message.
    await ingestLines(t, [turnCompleted("th-1", "tu-1", "interrupted")]);
    expect((await largestDocument(t)).bytes).toBeLessThan(MiB);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect((await largestDocument(t)).bytes).toBeLessThan(MiB);

    const output = await alice.query(api.codex.getMessageText, { threadId: "th-1", itemId: "cmd" });
    expect(output?.text).toBe(chunk.repeat(3));
    const raw = await alice.query(testHost.rawGetMessageText, { threadId: "th-1", itemId: "rs" });
    expect(raw?.reasoningContent).toEqual([secret]);
    const [request] = await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "cancelled" });
    expect(request?.params).toBe("");
    const events = (await dumpTables(t)).events;
    expect(events).toEqual([expect.objectContaining({ method: "some/future/notification", line: "", lineParts: expect.any(Number) })]);
  }, HEAVY_TEST_TIMEOUT_MS);
});
