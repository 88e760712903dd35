/**
 * Auth-bound access through the example host: every public function takes its
 * user from `ctx.auth`; another user's threads, streams, checkpoints, sessions
 * and requests are out of reach, and guests get UNAUTHENTICATED.
 */
import { describe, expect, test } from "vitest";
import { ConvexError } from "convex/values";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest } from "../test/convexTest.js";
import { ALICE, BOB, ingestLines } from "../test/support/component.js";
import { agentDelta, agentItem, threadStarted, toEvents, turnStarted } from "../test/support/events.js";

/** Expects `call` to throw a ConvexError whose `data.code` is `code`. */
async function expectCode(call: Promise<unknown>, code: string): Promise<void> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConvexError);
  const data: unknown = (error as ConvexError<string>).data;
  expect(typeof data === "string" ? JSON.parse(data) : data).toMatchObject({ code, message: expect.any(String) });
}

async function aliceThread() {
  const t = initConvexTest();
  const alice = await ingestLines(t, [
    threadStarted("th-a"),
    turnStarted("th-a", "tu-1"),
    agentItem("item/started", "th-a", "tu-1", "it-1", ""),
    agentDelta("th-a", "tu-1", "it-1", "secret"),
  ]);
  const listed = await alice.query(api.codex.listMessages, { threadId: "th-a", paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "list" } });
  const streamId = listed.streams?.kind === "list" ? listed.streams.streams[0]!.streamId : "";
  await alice.mutation(api.codex.saveCheckpoints, { deviceId: "d", threadId: "th-a", cursors: [{ streamId, cursor: 1 }] });
  return { t, alice, streamId };
}

const page = { numItems: 5, cursor: null };

describe("auth-bound access", () => {
  test("another user can neither read, page, follow nor write Alice's thread", async () => {
    const { t, streamId } = await aliceThread();
    const bob = t.withIdentity(BOB);
    await expectCode(bob.query(api.codex.listMessages, { threadId: "th-a", paginationOpts: page }), "THREAD_NOT_FOUND");
    await expectCode(
      bob.query(api.codex.listMessages, { threadId: "th-a", paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "deltas", cursors: [{ streamId, cursor: 0 }] } }),
      "THREAD_NOT_FOUND",
    );
    await expectCode(bob.query(api.codex.getMessageText, { threadId: "th-a", itemId: "it-1" }), "THREAD_NOT_FOUND");
    await expectCode(bob.query(api.codex.listTurns, { threadId: "th-a" }), "THREAD_NOT_FOUND");
    await expectCode(bob.query(api.codex.getTurnDiff, { threadId: "th-a", turnId: "tu-1" }), "THREAD_NOT_FOUND");
    await expectCode(bob.query(api.codex.listServerRequests, { threadId: "th-a" }), "THREAD_NOT_FOUND");
    await expectCode(bob.query(api.codex.listEvents, { threadId: "th-a", paginationOpts: page }), "THREAD_NOT_FOUND");
    await expectCode(bob.query(api.codex.listCheckpoints, { deviceId: "d", threadId: "th-a" }), "THREAD_NOT_FOUND");
    await expectCode(bob.mutation(api.codex.saveCheckpoints, { deviceId: "d", threadId: "th-a", cursors: [] }), "THREAD_NOT_FOUND");
    expect(await bob.query(api.codex.getThread, { threadId: "th-a" })).toBeNull();
    expect((await bob.query(api.codex.listThreads, { paginationOpts: page })).page).toEqual([]);
    expect(await bob.query(api.codex.listSessions, {})).toEqual([]);
    // Bob's bridge naming Alice's session and thread ids gets a session and a thread of his own.
    expect(await bob.mutation(api.codex.ensureSession, { sessionId: "s-1" })).toMatchObject({ ackedSeq: 0, created: true });
    await bob.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: toEvents([agentDelta("th-a", "tu-1", "it-1", "injected")]) });
    expect((await bob.query(api.codex.getMessageText, { threadId: "th-a", itemId: "it-1" }))?.text).toBeUndefined();
    // Nothing of Alice's changed.
    const alice = t.withIdentity(ALICE);
    const hers = await alice.query(api.codex.listMessages, { threadId: "th-a", paginationOpts: page, streamArgs: { kind: "deltas", cursors: [{ streamId, cursor: 0 }] } });
    expect(hers.streams?.kind === "deltas" ? hers.streams.deltas.map((d) => d.text) : []).toEqual(["secret"]);
    expect((await alice.query(api.codex.listCheckpoints, { deviceId: "d", threadId: "th-a" }))[0]?.cursor).toBe(1);
    expect(await alice.query(api.codex.listSessions, {})).toEqual([expect.objectContaining({ sessionId: "s-1", ackedSeq: 4 })]);
  });

  test("every function refuses guests with UNAUTHENTICATED", async () => {
    const { t, streamId } = await aliceThread();
    const calls: Promise<unknown>[] = [
      t.mutation(api.codex.ensureSession, { sessionId: "s-9" }),
      t.mutation(api.codex.ingestSafe, { sessionId: "s-1", events: [] }),
      t.query(api.codex.listMessages, { threadId: "th-a", paginationOpts: page }),
      t.query(api.codex.getMessageText, { threadId: "th-a", itemId: "it-1" }),
      t.query(api.codex.listThreads, { paginationOpts: page }),
      t.query(api.codex.getThread, { threadId: "th-a" }),
      t.query(api.codex.listTurns, { threadId: "th-a" }),
      t.query(api.codex.getTurnDiff, { threadId: "th-a", turnId: "tu-1" }),
      t.query(api.codex.listServerRequests, { threadId: "th-a" }),
      t.mutation(api.codex.saveCheckpoints, { deviceId: "d", threadId: "th-a", cursors: [{ streamId, cursor: 0 }] }),
      t.query(api.codex.listCheckpoints, { deviceId: "d", threadId: "th-a" }),
      t.query(api.codex.listEvents, { threadId: "th-a", paginationOpts: page }),
      t.query(api.codex.listSessions, {}),
    ];
    for (const call of calls) await expectCode(call, "UNAUTHENTICATED");
  });

  test("out-of-range arguments get INVALID_ARGUMENT", async () => {
    const { alice } = await aliceThread();
    await expectCode(alice.query(api.codex.listMessages, { threadId: "th-a", paginationOpts: { numItems: 500, cursor: null } }), "INVALID_ARGUMENT");
    await expectCode(alice.query(api.codex.listTurns, { threadId: "th-a", limit: 0 }), "INVALID_ARGUMENT");
    await expectCode(alice.query(api.codex.listEvents, { threadId: "th-a", paginationOpts: { numItems: 0, cursor: null } }), "INVALID_ARGUMENT");
    await expectCode(alice.query(api.codex.listSessions, { limit: 1000 }), "INVALID_ARGUMENT");
    await expectCode(
      alice.query(api.codex.listMessages, {
        threadId: "th-a",
        paginationOpts: { numItems: 0, cursor: null },
        streamArgs: { kind: "deltas", cursors: Array.from({ length: 65 }, () => ({ streamId: "x", cursor: 0 })) },
      }),
      "INVALID_ARGUMENT",
    );
    await expectCode(alice.mutation(api.codex.ensureSession, { sessionId: "" }), "INVALID_ARGUMENT");
  });
});
