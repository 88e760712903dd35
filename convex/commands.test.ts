/**
 * Commands, browser → desktop: queued on the right device, one per
 * idempotency key, claimed exactly once under a lease, completed, expired
 * when nobody claims them, failed BRIDGE_LOST when the lease ends; another
 * user or device can neither see, claim nor complete them.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { COMMAND_LEASE_MS, COMMAND_RETENTION_MS, COMMAND_TTL_MS, DEVICE_ONLINE_WINDOW_MS } from "../src/shared/limits.js";
import { initConvexTest, type TestConvexApp } from "../test/convexTest.js";
import { ALICE, BOB, ingestLines } from "../test/support/component.js";
import { expectCode, pairDevice, pushAsDevice } from "../test/support/devices.js";
import { notification, threadStarted } from "../test/support/events.js";

/** Generous: convex-test runs every call in-process, and the machine may be loaded. */
const TEST_TIMEOUT_MS = 60_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets `ms` pass and runs every scheduled function that came due. */
async function wait(t: TestConvexApp, ms: number): Promise<void> {
  const step = 5000;
  for (let passed = 0; passed < ms; passed += step) {
    vi.advanceTimersByTime(Math.min(step, ms - passed));
    await t.finishInProgressScheduledFunctions();
  }
}

describe("commands", { timeout: TEST_TIMEOUT_MS }, () => {
  test("startThread runs only in a declared workspace, once per idempotency key, claimed exactly once", async () => {
    const t = initConvexTest();
    const { deviceId, deviceSecret, workspaces } = await pairDevice(t);
    const alice = t.withIdentity(ALICE);
    const ws = workspaces[0]!;
    await expectCode(
      alice.mutation(api.codex.startThread, { idempotencyKey: "k0", deviceId, workspaceId: "ws_made_up", prompt: "hi" }),
      "WORKSPACE_NOT_FOUND",
    );
    const first = await alice.mutation(api.codex.startThread, { idempotencyKey: "k1", deviceId, workspaceId: ws.workspaceId, prompt: "Explain" });
    const again = await alice.mutation(api.codex.startThread, { idempotencyKey: "k1", deviceId, workspaceId: ws.workspaceId, prompt: "Explain" });
    expect(again).toEqual(first);
    expect(first.status).toBe("queued");

    const queued = await t.query(api.codex.listDeviceCommands, { deviceSecret });
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ commandId: first.commandId, kind: "startThread", deviceId, status: "queued" });
    // The path comes from the device's own declaration, never from the browser.
    expect(JSON.parse(queued[0]!.args)).toEqual({ workspaceId: ws.workspaceId, cwd: "/home/alice/repo", prompt: "Explain" });

    const claimed = await t.mutation(api.codex.claimCommand, { deviceSecret, commandId: first.commandId });
    expect(claimed).toMatchObject({ status: "claimed", leaseExpiresAt: expect.any(Number) });
    expect(await t.mutation(api.codex.claimCommand, { deviceSecret, commandId: first.commandId })).toBeNull();
    expect(await t.query(api.codex.listDeviceCommands, { deviceSecret })).toEqual([]);

    await t.mutation(api.codex.completeCommand, { deviceSecret, commandId: first.commandId, result: { threadId: "th-new", turnId: "tu-1" } });
    // A second completion changes nothing: the first wins.
    await t.mutation(api.codex.completeCommand, { deviceSecret, commandId: first.commandId, error: { code: "X", message: "late" } });
    expect(await alice.query(api.codex.getCommand, { idempotencyKey: "k1" })).toMatchObject({
      status: "done",
      result: { threadId: "th-new", turnId: "tu-1" },
      finishedAt: expect.any(Number),
    });
    // The same key for another kind of command is refused, not silently merged.
    await pushAsDevice(t, deviceSecret, [threadStarted("th-new")]);
    await expectCode(alice.mutation(api.codex.interruptTurn, { idempotencyKey: "k1", threadId: "th-new" }), "IDEMPOTENCY_KEY_REUSED");
  });

  test("a thread's commands go to the device that runs it, with their arguments", async () => {
    const t = initConvexTest();
    const laptop = await pairDevice(t, ALICE, "laptop");
    const desktop = await pairDevice(t, ALICE, "desktop");
    await pushAsDevice(t, desktop.deviceSecret, [threadStarted("th-1")], { sessionId: "s-desk" });
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.sendMessage, { idempotencyKey: "m1", threadId: "th-1", text: "and now?" });
    await alice.mutation(api.codex.interruptTurn, { idempotencyKey: "m2", threadId: "th-1" });
    await alice.mutation(api.codex.renameThread, { idempotencyKey: "m3", threadId: "th-1", name: "Docs" });
    await alice.mutation(api.codex.rollbackThread, { idempotencyKey: "m4", threadId: "th-1", numTurns: 2 });
    await alice.mutation(api.codex.archiveThread, { idempotencyKey: "m5", threadId: "th-1" });
    await alice.mutation(api.codex.unarchiveThread, { idempotencyKey: "m6", threadId: "th-1" });
    await alice.mutation(api.codex.forkThread, { idempotencyKey: "m7", threadId: "th-1" });
    expect(await t.query(api.codex.listDeviceCommands, { deviceSecret: laptop.deviceSecret })).toEqual([]);
    const queued = await t.query(api.codex.listDeviceCommands, { deviceSecret: desktop.deviceSecret });
    expect(queued.map((c) => [c.kind, c.threadId, c.sessionId, JSON.parse(c.args)])).toEqual([
      ["sendMessage", "th-1", "s-desk", { threadId: "th-1", text: "and now?" }],
      ["interruptTurn", "th-1", "s-desk", { threadId: "th-1" }],
      ["renameThread", "th-1", "s-desk", { threadId: "th-1", name: "Docs" }],
      ["rollbackThread", "th-1", "s-desk", { threadId: "th-1", numTurns: 2 }],
      ["archiveThread", "th-1", "s-desk", { threadId: "th-1" }],
      ["unarchiveThread", "th-1", "s-desk", { threadId: "th-1" }],
      ["forkThread", "th-1", "s-desk", { threadId: "th-1" }],
    ]);
    // The laptop cannot claim or complete the desktop's command.
    await expectCode(t.mutation(api.codex.claimCommand, { deviceSecret: laptop.deviceSecret, commandId: queued[0]!.commandId }), "COMMAND_NOT_FOUND");
    await expectCode(t.mutation(api.codex.completeCommand, { deviceSecret: laptop.deviceSecret, commandId: queued[0]!.commandId }), "COMMAND_NOT_FOUND");
    await expectCode(alice.mutation(api.codex.rollbackThread, { idempotencyKey: "m8", threadId: "th-1", numTurns: 0 }), "INVALID_ARGUMENT");
    await expectCode(alice.mutation(api.codex.sendMessage, { idempotencyKey: "m9", threadId: "th-1", text: "  " }), "INVALID_ARGUMENT");
    await expectCode(alice.mutation(api.codex.sendMessage, { idempotencyKey: "", threadId: "th-1", text: "x" }), "INVALID_ARGUMENT");
  });

  test("another user can neither see, command nor start threads on Alice's devices", async () => {
    const t = initConvexTest();
    const { deviceId, deviceSecret, workspaces } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const alice = t.withIdentity(ALICE);
    await alice.mutation(api.codex.sendMessage, { idempotencyKey: "shared-key", threadId: "th-1", text: "mine" });
    const bob = t.withIdentity(BOB);
    expect(await bob.query(api.codex.listDevices, {})).toEqual([]);
    expect(await bob.query(api.codex.getCommand, { idempotencyKey: "shared-key" })).toBeNull();
    await expectCode(bob.mutation(api.codex.sendMessage, { idempotencyKey: "b1", threadId: "th-1", text: "rm -rf" }), "THREAD_NOT_FOUND");
    await expectCode(bob.mutation(api.codex.interruptTurn, { idempotencyKey: "b2", threadId: "th-1" }), "THREAD_NOT_FOUND");
    await expectCode(
      bob.mutation(api.codex.startThread, { idempotencyKey: "b3", deviceId, workspaceId: workspaces[0]!.workspaceId, prompt: "x" }),
      "DEVICE_NOT_FOUND",
    );
    await expectCode(bob.mutation(api.codex.renameDevice, { deviceId, name: "mine now" }), "DEVICE_NOT_FOUND");
    // Bob's own key of the same name is his own command space.
    const bobDevice = await pairDevice(t, BOB, "bob-box");
    const bobs = await bob.mutation(api.codex.startThread, {
      idempotencyKey: "shared-key", deviceId: bobDevice.deviceId, workspaceId: bobDevice.workspaces[0]!.workspaceId, prompt: "hi",
    });
    expect((await alice.query(api.codex.getCommand, { idempotencyKey: "shared-key" }))?.commandId).not.toBe(bobs.commandId);
    expect(await t.query(api.codex.listDeviceCommands, { deviceSecret })).toHaveLength(1);
    await expectCode(t.query(api.codex.listDeviceCommands, { deviceSecret: "guess" }), "DEVICE_UNKNOWN");
  });

  test("a thread of a user-JWT bridge cannot take commands; a revoked device's thread neither, and its queue fails", async () => {
    const t = initConvexTest();
    await ingestLines(t, [threadStarted("th-jwt")]);
    await expectCode(
      t.withIdentity(ALICE).mutation(api.codex.sendMessage, { idempotencyKey: "j1", threadId: "th-jwt", text: "x" }),
      "THREAD_NOT_ON_DEVICE",
    );
    const { deviceId, deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    await t.withIdentity(ALICE).mutation(api.codex.sendMessage, { idempotencyKey: "j1b", threadId: "th-1", text: "before" });
    await t.withIdentity(ALICE).mutation(api.codex.revokeDevice, { deviceId });
    await expectCode(t.withIdentity(ALICE).mutation(api.codex.sendMessage, { idempotencyKey: "j2", threadId: "th-1", text: "x" }), "DEVICE_REVOKED");
    // What was queued for it fails at once, with the reason.
    expect(await t.withIdentity(ALICE).query(api.codex.getCommand, { idempotencyKey: "j1b" })).toMatchObject({
      status: "failed",
      error: { code: "DEVICE_REVOKED" },
    });
  });

  test("a queued command nobody claims expires after COMMAND_TTL_MS and cannot be claimed then", async () => {
    const t = initConvexTest();
    const { deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const alice = t.withIdentity(ALICE);
    const { commandId } = await alice.mutation(api.codex.sendMessage, { idempotencyKey: "old", threadId: "th-1", text: "stale prompt" });
    await wait(t, COMMAND_TTL_MS - 10_000);
    expect((await alice.query(api.codex.getCommand, { idempotencyKey: "old" }))?.status).toBe("queued");
    await wait(t, 15_000);
    expect(await alice.query(api.codex.getCommand, { idempotencyKey: "old" })).toMatchObject({
      status: "expired",
      error: { code: "COMMAND_EXPIRED", message: expect.stringMatching(/within 10 min/) },
    });
    expect(await t.query(api.codex.listDeviceCommands, { deviceSecret })).toEqual([]);
    expect(await t.mutation(api.codex.claimCommand, { deviceSecret, commandId })).toBeNull();
    await expectCode(t.mutation(api.codex.completeCommand, { deviceSecret, commandId }), "INVALID_ARGUMENT");
  });

  test("a claimed command whose lease ends fails BRIDGE_LOST; the bridge's late outcome replaces it", async () => {
    const t = initConvexTest();
    const { deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const alice = t.withIdentity(ALICE);
    const { commandId } = await alice.mutation(api.codex.sendMessage, { idempotencyKey: "k", threadId: "th-1", text: "go" });
    await expectCode(t.mutation(api.codex.claimCommand, { deviceSecret, commandId, leaseMs: 10 }), "INVALID_ARGUMENT");
    await t.mutation(api.codex.claimCommand, { deviceSecret, commandId });
    await wait(t, COMMAND_LEASE_MS + 5000);
    expect(await alice.query(api.codex.getCommand, { idempotencyKey: "k" })).toMatchObject({
      status: "failed",
      error: { code: "BRIDGE_LOST" },
    });
    // Not claimable again: a command is never run twice.
    expect(await t.mutation(api.codex.claimCommand, { deviceSecret, commandId })).toBeNull();
    await t.mutation(api.codex.completeCommand, { deviceSecret, commandId, result: { threadId: "th-1", turnId: "tu-9" } });
    expect(await alice.query(api.codex.getCommand, { idempotencyKey: "k" })).toMatchObject({ status: "done", result: { turnId: "tu-9" } });
    expect((await alice.query(api.codex.getCommand, { idempotencyKey: "k" }))?.error).toBeUndefined();
  });
});

describe("outcome lines", { timeout: TEST_TIMEOUT_MS }, () => {
  test("the bridge's bridge/command lines are kept in the thread's event log", async () => {
    const t = initConvexTest();
    const { deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const line = notification("bridge/command", { commandId: "c1", kind: "sendMessage", status: "done", threadId: "th-1", turnId: "tu-2" });
    await pushAsDevice(t, deviceSecret, [line], { origin: "bridge" });
    const log = await t.withIdentity(ALICE).query(api.codex.listEvents, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null } });
    expect(log.page).toEqual([expect.objectContaining({ method: "bridge/command", origin: "bridge", line })]);
  });
});

describe("retention", { timeout: TEST_TIMEOUT_MS }, () => {
  test("a finished command is deleted after COMMAND_RETENTION_MS; its key may then be used again", async () => {
    const t = initConvexTest();
    const { deviceSecret } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const alice = t.withIdentity(ALICE);
    const first = await alice.mutation(api.codex.sendMessage, { idempotencyKey: "k", threadId: "th-1", text: "one" });
    await t.mutation(api.codex.claimCommand, { deviceSecret, commandId: first.commandId });
    await t.mutation(api.codex.completeCommand, { deviceSecret, commandId: first.commandId, result: { turnId: "tu-1" } });
    vi.advanceTimersByTime(COMMAND_RETENTION_MS - 60_000);
    await t.finishInProgressScheduledFunctions();
    expect((await alice.query(api.codex.getCommand, { idempotencyKey: "k" }))?.status).toBe("done");
    vi.advanceTimersByTime(120_000);
    await t.finishInProgressScheduledFunctions();
    expect(await alice.query(api.codex.getCommand, { idempotencyKey: "k" })).toBeNull();
    const second = await alice.mutation(api.codex.sendMessage, { idempotencyKey: "k", threadId: "th-1", text: "two" });
    expect(second.commandId).not.toBe(first.commandId);
  });
});

describe("presence", { timeout: TEST_TIMEOUT_MS }, () => {
  test("a device is online while it sends heartbeats, offline DEVICE_ONLINE_WINDOW_MS after the last", async () => {
    const t = initConvexTest();
    const { deviceId, deviceSecret, workspaces } = await pairDevice(t);
    const alice = t.withIdentity(ALICE);
    expect((await alice.query(api.codex.listDevices, {}))[0]).toMatchObject({
      deviceId,
      online: true,
      codexVersion: "0.169.0",
      hostname: "host-1",
      lastSeenAt: expect.any(Number),
      workspaces: [
        { workspaceId: workspaces[0]!.workspaceId, path: "/home/alice/repo", label: "repo" },
        { workspaceId: workspaces[1]!.workspaceId, path: "/home/alice/other" },
      ],
      runningThreadIds: [],
    });
    for (let i = 0; i < 4; i++) {
      await wait(t, 15_000);
      const beat = await t.mutation(api.codex.deviceHeartbeat, {
        deviceSecret, workspaces: [{ path: "/home/alice/repo" }], runningThreadIds: ["th-1"],
      });
      // Re-declaring a path keeps its id.
      expect(beat.workspaces).toEqual([{ workspaceId: workspaces[0]!.workspaceId, path: "/home/alice/repo" }]);
    }
    expect((await alice.query(api.codex.listDevices, {}))[0]).toMatchObject({ online: true, runningThreadIds: ["th-1"] });
    await wait(t, DEVICE_ONLINE_WINDOW_MS + 5000);
    expect((await alice.query(api.codex.listDevices, {}))[0]).toMatchObject({ online: false, runningThreadIds: [] });
    await alice.mutation(api.codex.renameDevice, { deviceId, name: "old laptop" });
    expect((await alice.query(api.codex.listDevices, {}))[0]?.name).toBe("old laptop");
    await expectCode(alice.mutation(api.codex.renameDevice, { deviceId, name: "" }), "INVALID_ARGUMENT");
    await expectCode(
      t.mutation(api.codex.deviceHeartbeat, { deviceSecret, workspaces: Array.from({ length: 65 }, (_, i) => ({ path: `/p${i}` })), runningThreadIds: [] }),
      "INVALID_ARGUMENT",
    );
  });
});
