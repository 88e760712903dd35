/**
 * Index-only reads: in a thread of 20,000 messages, ingesting one more event
 * and reading the newest page succeed under Convex's transaction limits, and
 * read as many documents as in a thread of 100.
 */
import { describe, expect, test } from "vitest";
import { runInCodex, initConvexTest } from "../test/convexTest.js";
import { ALICE, HEAVY_TEST_TIMEOUT_MS, ingestLines } from "../test/support/component.js";
import { agentDelta, agentItem, threadStarted, toEvents, turnStarted } from "../test/support/events.js";
import { testHost, type Used } from "../test/support/testHost.js";

const LARGE = 20_000;
const SMALL = 100;
const CHUNK = 2_000;

/** A thread `th-1` with `count` messages, inserted directly for speed, then measured. */
async function measure(count: number): Promise<{ ingest: Used; page: Used; deltas: Used; pageSize: number }> {
  const t = initConvexTest();
  await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1")]);
  const threadRef = await runInCodex(t, async (ctx) => (await ctx.db.query("threads").first())!._id);
  for (let start = 0; start < count; start += CHUNK) {
    await runInCodex(t, async (ctx) => {
      for (let order = start; order < Math.min(count, start + CHUNK); order++) {
        await ctx.db.insert("messages", {
          threadId: "th-1",
          threadRef,
          turnId: "tu-1",
          itemId: `it-${order}`,
          order,
          kind: "agentMessage",
          role: "assistant",
          status: "completed",
          text: `message ${order}`,
          textLength: `message ${order}`.length,
          item: "{}",
        });
      }
    });
  }
  await runInCodex(t, async (ctx) => {
    await ctx.db.patch("threads", threadRef, { nextItemOrder: count });
    // Ingest restamps a turn's lastEventAt only when older than LAST_EVENT_STAMP_MAX_MS: make both sizes restamp it, whatever the setup took.
    for (const turn of await ctx.db.query("turns").take(10)) await ctx.db.patch("turns", turn._id, { lastEventAt: 0 });
    // Likewise a session's lastSeenAt (restamped only when older than LAST_SEEN_STAMP_MAX_MS).
    for (const session of await ctx.db.query("sessions").take(10)) await ctx.db.patch("sessions", session._id, { lastSeenAt: 0 });
  });
  const alice = t.withIdentity(ALICE);
  const events = toEvents(
    [agentItem("item/started", "th-1", "tu-1", "new", ""), agentDelta("th-1", "tu-1", "new", "fresh"), agentItem("item/completed", "th-1", "tu-1", "new", "fresh")],
    3,
  );
  const ingested = await alice.mutation(testHost.measuredIngest, { sessionId: "s-1", events });
  expect(ingested.result).toMatchObject({ applied: 3, gap: null });
  const listed = await alice.query(testHost.measuredList, { threadId: "th-1", paginationOpts: { numItems: 50, cursor: null } });
  expect(listed.page.page[0]).toMatchObject({ itemId: "new", order: count, text: "fresh" });
  expect(listed.page.page.at(-1)?.order).toBe(count - 49);
  const streams = await alice.query(testHost.measuredList, { threadId: "th-1", paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "list" } });
  return { ingest: ingested.used, page: listed.used, deltas: streams.used, pageSize: listed.page.page.length };
}

describe("index-only reads", () => {
  test(`ingest and the newest page cost the same in a thread of ${SMALL} and of ${LARGE} messages`, async () => {
    const small = await measure(SMALL);
    const large = await measure(LARGE);
    console.log(JSON.stringify({ small, large }));
    expect(large.pageSize).toBe(50);
    expect(large.ingest.documentsRead).toBe(small.ingest.documentsRead);
    expect(large.page.documentsRead).toBe(small.page.documentsRead);
    expect(large.deltas.documentsRead).toBe(small.deltas.documentsRead);
    expect(large.ingest.databaseQueries).toBe(small.ingest.databaseQueries);
    expect(large.page.databaseQueries).toBe(small.page.databaseQueries);
    // Bytes differ only by the longer numbers in larger threads' texts and ids.
    expect(large.page.bytesRead).toBeLessThan(small.page.bytesRead * 1.1);
    expect(large.ingest.bytesRead).toBeLessThan(small.ingest.bytesRead * 1.1);
  }, HEAVY_TEST_TIMEOUT_MS);
});
