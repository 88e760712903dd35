import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, runInCodex, type TestConvexApp } from "../test/convexTest.js";
import { agentMessageLines, notification, threadStarted, toEvents, turnCompleted, turnStarted } from "../test/support/events.js";
import type { CodexEvent } from "../src/shared/validators.js";

const ALICE = { subject: "alice", tokenIdentifier: "test|alice" };

function aTurn(threadId = "th-1"): CodexEvent[] {
  return toEvents([
    threadStarted(threadId),
    turnStarted(threadId, "tu-1"),
    ...agentMessageLines(threadId, "tu-1", "it-1", ["Hel", "lo ", "wor", "ld", "!"]),
    notification("some/future/notification", { threadId, x: 1 }),
    turnCompleted(threadId, "tu-1"),
  ]);
}

async function snapshot(t: TestConvexApp) {
  return runInCodex(t, async (ctx) => {
    const tables = ["sessions", "threads", "turns", "messages", "streams", "deltas", "events", "parts", "serverRequests", "checkpoints"] as const;
    const out: Record<string, unknown[]> = {};
    for (const table of tables) {
      // Drop system fields and times that differ between runs.
      out[table] = (await ctx.db.query(table as never).collect()).map((d: Record<string, unknown>) => {
        // deltaCount counts stored chunks (one per stream per batch): it follows the batching, the text does not.
        const { _id, _creationTime, lastSeenAt, updatedAt, streamId, watchdogAt, lastEventAt, finishedAt, ownerId, deltaCount, ...rest } = d;
        void _id; void _creationTime; void lastSeenAt; void updatedAt; void streamId; void watchdogAt; void lastEventAt; void finishedAt; void ownerId; void deltaCount;
        return rest;
      });
    }
    // Deltas are stored one chunk per stream per batch: compare each stream's joined text and range, which must not depend on the batching.
    const byStream = new Map<string, Array<{ start: number; end: number; text: string }>>();
    for (const d of await ctx.db.query("deltas").collect()) byStream.set(d.streamId, [...(byStream.get(d.streamId) ?? []), d]);
    out.deltas = [...byStream.values()].map((rows) => {
      rows.sort((a, b) => a.start - b.start);
      rows.forEach((row, i) => i > 0 && expect(row.start).toBe(rows[i - 1]!.end));
      return { start: rows[0]!.start, end: rows.at(-1)!.end, text: rows.map((r) => r.text).join("") };
    });
    return out;
  }) as Promise<Record<string, unknown[]>>;
}

async function start(t: TestConvexApp, sessionId = "s-1") {
  const alice = t.withIdentity(ALICE);
  await alice.mutation(api.codex.ensureSession, { sessionId });
  return alice;
}

describe("ingestSafe", () => {
  test("applies a turn once; replaying the same batch changes nothing", async () => {
    const t = initConvexTest();
    const alice = await start(t);
    const events = aTurn();
    const first = await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events });
    expect(first).toEqual({ ackedSeq: events.length, applied: events.length, duplicates: 0, gap: null });
    const before = await snapshot(t);
    const again = await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events });
    expect(again).toEqual({ ackedSeq: events.length, applied: 0, duplicates: events.length, gap: null });
    expect(await snapshot(t)).toEqual(before);

    const page = await alice.query(api.codex.listMessages, {
      threadId: "th-1",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(page.page).toHaveLength(1);
    expect(page.page[0]).toMatchObject({ itemId: "it-1", kind: "agentMessage", status: "completed", text: "Hello world!" });
    // The unknown notification is kept in the event log, not dropped.
    expect(before.events).toEqual([expect.objectContaining({ method: "some/future/notification", threadId: "th-1" })]);
  });

  test("a batch split anywhere and resent with overlaps gives the same state", async () => {
    const reference = initConvexTest();
    const refAlice = await start(reference);
    const events = aTurn();
    await refAlice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events });

    const t = initConvexTest();
    const alice = await start(t);
    for (let end = 3; end <= events.length; end += 3) {
      await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events.slice(Math.max(0, end - 5), end) });
    }
    await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events });
    expect(await snapshot(t)).toEqual(await snapshot(reference));
  });

  test("a gap stops the batch and says where to resend from", async () => {
    const t = initConvexTest();
    const alice = await start(t);
    const events = aTurn();
    const result = await alice.mutation(api.codex.ingestSafe, {
      sessionId: "s-1",
      events: [...events.slice(0, 2), ...events.slice(4, 6)],
    });
    expect(result).toEqual({ ackedSeq: 2, applied: 2, duplicates: 0, gap: { expectedSeq: 3, receivedSeq: 5 } });
    const rest = await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events.slice(2) });
    expect(rest).toMatchObject({ ackedSeq: events.length, gap: null });
  });

  test("out-of-order and overlapping seqs in one batch are rejected whole", async () => {
    const t = initConvexTest();
    const alice = await start(t);
    const events = aTurn();
    const swapped = [events[1]!, events[0]!, ...events.slice(2)];
    await expect(alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: swapped })).rejects.toThrow(/INVALID_BATCH|ascending/);
    const overlapping = [events[0]!, { ...events[1]!, seqEnd: 3 }, events[2]!];
    await expect(alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: overlapping })).rejects.toThrow(/ascending/);
    await expect(
      alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: [{ ...events[0]!, seq: 0 }] }),
    ).rejects.toThrow(/positive integer/);
    expect((await snapshot(t)).threads).toEqual([]);
  });

  test("a malformed event is rejected by the validator and nothing of the batch applies", async () => {
    const t = initConvexTest();
    const alice = await start(t);
    const events: unknown[] = [...aTurn().slice(0, 3), { seq: 4, origin: "codex", line: "{}" }];
    await expect(
      alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: events as CodexEvent[] }),
    ).rejects.toThrow(/receivedAt/);
    const state = await snapshot(t);
    expect(state.threads).toEqual([]);
    expect(state.sessions).toEqual([expect.objectContaining({ ackedSeq: 0 })]);
  });

  test("a malformed line from codex is kept in the event log, not applied", async () => {
    const t = initConvexTest();
    const alice = await start(t);
    const events = toEvents(['{"method":"item/started","params":', "not json at all"]);
    const result = await alice.mutation(api.codex.ingestSafe, { sessionId: "s-1", events });
    expect(result).toMatchObject({ ackedSeq: 2, applied: 2 });
    const state = await snapshot(t);
    expect(state.events).toEqual([
      expect.objectContaining({ seq: 1, method: "malformed", line: '{"method":"item/started","params":' }),
      expect.objectContaining({ seq: 2, method: "malformed", line: "not json at all" }),
    ]);
  });

  test("ingest needs a session of the same user", async () => {
    const t = initConvexTest();
    await start(t);
    const bob = t.withIdentity({ subject: "bob", tokenIdentifier: "test|bob" });
    // Alice's session id names no session of Bob's: the same answer as any unknown id (no oracle).
    await expect(bob.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: aTurn() })).rejects.toThrow(/ensureSession first/);
    await expect(bob.mutation(api.codex.ingestSafe, { sessionId: "nope", events: aTurn() })).rejects.toThrow(/ensureSession first/);
    await expect(t.mutation(api.codex.ensureSession, { sessionId: "s-2" })).rejects.toThrow(/Sign in/);
  });
});
