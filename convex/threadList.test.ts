/**
 * What a thread list needs from the thread row alone: the newest turn's
 * outcome (`lastTurn`: running, completed, failed, interrupted) and the
 * caller's paired device running the thread (`deviceId`), never another
 * user's.
 */
import interruptTurn from "../test/fixtures/transcripts/interrupt-turn.jsonl?raw";
import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, runInCodex } from "../test/convexTest.js";
import { ALICE, BOB, ingestEvents, ingestLines, transcriptEvents } from "../test/support/component.js";
import { expectCode, pairDevice, pushAsDevice } from "../test/support/devices.js";
import { notification, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";

const FIRST = { paginationOpts: { numItems: 10, cursor: null } };

/** `turn/completed` as codex sends it for a failed turn (TurnError with details). */
function turnFailed(threadId: string, turnId: string, message: string): string {
  return notification("turn/completed", {
    threadId,
    turn: { id: turnId, items: [], status: "failed", error: { message, codexErrorInfo: null, additionalDetails: "retry later" }, startedAt: 1_763_000_000, completedAt: 1_763_000_004, durationMs: 4000 },
  });
}

describe("the thread's last turn", () => {
  test("the recorded interrupted turn of real codex shows on the thread, in list and get", async () => {
    const t = initConvexTest();
    const alice = await ingestEvents(t, transcriptEvents(interruptTurn));
    const [thread] = (await alice.query(api.codex.listThreads, FIRST)).page;
    const [turn] = await alice.query(api.codex.listTurns, { threadId: thread!.threadId });
    expect(thread!.lastTurn).toMatchObject({ turnId: turn!.turnId, order: 0, status: "interrupted" });
    expect((await alice.query(api.codex.getThread, { threadId: thread!.threadId }))?.lastTurn).toEqual(thread!.lastTurn);
  });

  test("running, then failed with codex's message; a newer turn replaces it and a late end of the older one does not", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1")]);
    const lastTurn = async () => (await alice.query(api.codex.getThread, { threadId: "th-1" }))?.lastTurn;
    expect(await lastTurn()).toMatchObject({ turnId: "tu-1", status: "inProgress" });
    await ingestLines(t, [turnFailed("th-1", "tu-1", "Model overloaded")]);
    expect(await lastTurn()).toMatchObject({ turnId: "tu-1", status: "failed", error: "Model overloaded\nretry later" });

    await ingestLines(t, [turnStarted("th-1", "tu-2"), turnCompleted("th-1", "tu-2")]);
    expect(await lastTurn()).toEqual({ turnId: "tu-2", order: 1, status: "completed" });
    // A replayed end of the older turn (a resent batch, a late line) leaves the newest turn's status.
    await ingestLines(t, [turnCompleted("th-1", "tu-1", "interrupted")]);
    expect(await lastTurn()).toMatchObject({ turnId: "tu-2", status: "completed" });
    expect((await alice.query(api.codex.listThreads, FIRST)).page[0]!.lastTurn).toMatchObject({ turnId: "tu-2", status: "completed" });
  });

  test("a turn the bridge reports failed (codex died) shows failed with the bridge's reason", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1")]);
    await ingestLines(t, [JSON.stringify({ method: "bridge/turnFailed", params: { threadId: "th-1", turnId: "tu-1", reason: "codex was killed" } })], { origin: "bridge" });
    expect((await alice.query(api.codex.listThreads, FIRST)).page[0]!.lastTurn).toMatchObject({ status: "failed", error: "codex was killed" });
  });
});

describe("the thread's device", () => {
  test("a thread run by a paired device names it in list and get; one run with a user token names none", async () => {
    const t = initConvexTest();
    const { deviceId, deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-dev"), turnStarted("th-dev", "tu-1")]);
    const alice = await ingestLines(t, [threadStarted("th-jwt")], { sessionId: "s-jwt" });
    const page = (await alice.query(api.codex.listThreads, FIRST)).page;
    expect(page.find((th) => th.threadId === "th-dev")?.deviceId).toBe(deviceId);
    expect(page.find((th) => th.threadId === "th-jwt")).not.toHaveProperty("deviceId");
    expect((await alice.query(api.codex.getThread, { threadId: "th-dev" }))?.deviceId).toBe(deviceId);
    const devices = await alice.query(api.codex.listDevices, {});
    expect(devices.map((d) => d.deviceId)).toContain(deviceId);
  });

  test("attacker: another user's thread is not found and names no device; a session pointing at another user's device names none", async () => {
    const t = initConvexTest();
    const { deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const bob = t.withIdentity(BOB);
    expect(await bob.query(api.codex.getThread, { threadId: "th-1" })).toBeNull();
    await expectCode(bob.query(api.codex.listTurns, { threadId: "th-1" }), "THREAD_NOT_FOUND");
    expect((await bob.query(api.codex.listThreads, FIRST)).page).toEqual([]);

    // Bob's own thread, in a session whose row (tampered) points at Alice's device.
    await ingestLines(t, [threadStarted("th-1")], { identity: BOB, sessionId: "s-bob" });
    await runInCodex(t, async (ctx) => {
      const aliceDevice = (await ctx.db.query("devices").collect()).find((d) => d.userId === ALICE.tokenIdentifier)!;
      const bobSession = (await ctx.db.query("sessions").collect()).find((s) => s.sessionId === "s-bob")!;
      await ctx.db.patch("sessions", bobSession._id, { deviceId: aliceDevice._id });
    });
    const [bobThread] = (await bob.query(api.codex.listThreads, FIRST)).page;
    expect(bobThread).toMatchObject({ threadId: "th-1", userId: BOB.tokenIdentifier });
    expect(bobThread).not.toHaveProperty("deviceId");
    expect(await bob.query(api.codex.getThread, { threadId: "th-1" })).not.toHaveProperty("deviceId");
  });
});
