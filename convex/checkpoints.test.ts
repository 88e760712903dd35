/** Per-device checkpoints: each device saves and resumes its own cursors; users see only their own. */
import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest } from "../test/convexTest.js";
import { ALICE, BOB, ingestLines } from "../test/support/component.js";
import { agentDelta, agentItem, threadStarted, turnStarted } from "../test/support/events.js";

const NONE = { numItems: 0, cursor: null };

async function setup() {
  const t = initConvexTest();
  const alice = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1"), agentItem("item/started", "th-1", "tu-1", "it-1", "")]);
  // One delta per batch, as a live stream arrives: one stored chunk each, so cursors 0…4 are all chunk boundaries.
  for (const c of ["one ", "two ", "three ", "four"]) await ingestLines(t, [agentDelta("th-1", "tu-1", "it-1", c)]);
  const listed = await alice.query(api.codex.listMessages, { threadId: "th-1", paginationOpts: NONE, streamArgs: { kind: "list" } });
  const streamId = listed.streams?.kind === "list" ? listed.streams.streams[0]!.streamId : "";
  return { t, alice, streamId };
}

describe("checkpoints", () => {
  test("two devices keep their own cursors and resume from them", async () => {
    const { alice, streamId } = await setup();
    // The phone reads everything and saves what the answer says it reached.
    const phoneRead = await alice.query(api.codex.listMessages, {
      threadId: "th-1",
      paginationOpts: NONE,
      streamArgs: { kind: "deltas", cursors: [{ streamId, cursor: 0 }] },
    });
    const next = phoneRead.streams?.kind === "deltas" ? phoneRead.streams.nextCheckpoints : [];
    expect(next).toEqual([{ streamId, cursor: 4 }]);
    expect(await alice.mutation(api.codex.saveCheckpoints, { deviceId: "phone", threadId: "th-1", cursors: next })).toEqual({ saved: 1 });
    // The laptop tab has read only two deltas.
    await alice.mutation(api.codex.saveCheckpoints, { deviceId: "laptop-tab-1", threadId: "th-1", cursors: [{ streamId, cursor: 2 }] });
    expect(await alice.query(api.codex.listCheckpoints, { deviceId: "phone", threadId: "th-1" })).toEqual([
      { streamId, cursor: 4, updatedAt: expect.any(Number) },
    ]);
    const laptop = await alice.query(api.codex.listCheckpoints, { deviceId: "laptop-tab-1", threadId: "th-1" });
    expect(laptop.map((c) => c.cursor)).toEqual([2]);
    // Resuming from its checkpoint, the laptop gets exactly what it missed.
    const resumed = await alice.query(api.codex.listMessages, {
      threadId: "th-1",
      paginationOpts: NONE,
      streamArgs: { kind: "deltas", cursors: laptop.map(({ streamId, cursor }) => ({ streamId, cursor })) },
    });
    expect(resumed.streams?.kind === "deltas" && resumed.streams.deltas.map((d) => d.text).join("")).toBe("three four");
    // The laptop moving on leaves the phone where it was.
    await alice.mutation(api.codex.saveCheckpoints, { deviceId: "laptop-tab-1", threadId: "th-1", cursors: [{ streamId, cursor: 4 }] });
    await alice.mutation(api.codex.saveCheckpoints, { deviceId: "phone", threadId: "th-1", cursors: [{ streamId, cursor: 3 }] });
    expect((await alice.query(api.codex.listCheckpoints, { deviceId: "laptop-tab-1", threadId: "th-1" }))[0]?.cursor).toBe(4);
    expect((await alice.query(api.codex.listCheckpoints, { deviceId: "phone", threadId: "th-1" }))[0]?.cursor).toBe(3);
    expect(await alice.query(api.codex.listCheckpoints, { deviceId: "tablet", threadId: "th-1" })).toEqual([]);
  });

  test("bad arguments are refused with INVALID_ARGUMENT; unknown streams are skipped", async () => {
    const { alice, streamId } = await setup();
    await expect(
      alice.mutation(api.codex.saveCheckpoints, { deviceId: "phone", threadId: "th-1", cursors: [{ streamId, cursor: 99 }] }),
    ).rejects.toThrow(/INVALID_ARGUMENT|must be an integer/);
    await expect(
      alice.mutation(api.codex.saveCheckpoints, { deviceId: "x".repeat(200), threadId: "th-1", cursors: [] }),
    ).rejects.toThrow(/deviceId must be/);
    await expect(alice.query(api.codex.listCheckpoints, { deviceId: "", threadId: "th-1" })).rejects.toThrow(/deviceId must be/);
    expect(
      await alice.mutation(api.codex.saveCheckpoints, { deviceId: "phone", threadId: "th-1", cursors: [{ streamId: "gone", cursor: 0 }] }),
    ).toEqual({ saved: 0 });
  });

  test("another user can neither save nor read checkpoints of a thread not theirs, even under the same device id", async () => {
    const { t, alice, streamId } = await setup();
    await alice.mutation(api.codex.saveCheckpoints, { deviceId: "shared-id", threadId: "th-1", cursors: [{ streamId, cursor: 4 }] });
    const bob = t.withIdentity(BOB);
    await expect(
      bob.mutation(api.codex.saveCheckpoints, { deviceId: "shared-id", threadId: "th-1", cursors: [{ streamId, cursor: 0 }] }),
    ).rejects.toThrow(/THREAD_NOT_FOUND|No thread/);
    await expect(bob.query(api.codex.listCheckpoints, { deviceId: "shared-id", threadId: "th-1" })).rejects.toThrow(/No thread/);
    // Bob's own thread does not let him name Alice's stream either.
    await ingestLines(t, [threadStarted("th-bob")], { identity: BOB, sessionId: "s-bob" });
    expect(
      await bob.mutation(api.codex.saveCheckpoints, { deviceId: "shared-id", threadId: "th-bob", cursors: [{ streamId, cursor: 0 }] }),
    ).toEqual({ saved: 0 });
    expect((await t.withIdentity(ALICE).query(api.codex.listCheckpoints, { deviceId: "shared-id", threadId: "th-1" }))[0]?.cursor).toBe(4);
    await expect(t.query(api.codex.listCheckpoints, { deviceId: "shared-id", threadId: "th-1" })).rejects.toThrow(/Sign in/);
  });
});
