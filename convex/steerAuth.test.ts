/** Every browser-facing steering function refuses guests with UNAUTHENTICATED (the user never comes from arguments). */
import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest } from "../test/convexTest.js";
import { expectCode, pairDevice, pushAsDevice } from "../test/support/devices.js";
import { threadStarted } from "../test/support/events.js";

describe("steering auth", { timeout: 60_000 }, () => {
  test("guests get UNAUTHENTICATED from every browser-facing function, and nothing is queued", async () => {
    const t = initConvexTest();
    const { deviceId, deviceSecret, workspaces } = await pairDevice(t);
    await pushAsDevice(t, deviceSecret, [threadStarted("th-1")]);
    const key = { idempotencyKey: "g", threadId: "th-1" };
    const calls: Promise<unknown>[] = [
      t.mutation(api.codex.createPairingCode, {}),
      t.query(api.codex.listDevices, {}),
      t.mutation(api.codex.renameDevice, { deviceId, name: "x" }),
      t.mutation(api.codex.revokeDevice, { deviceId }),
      t.mutation(api.codex.startThread, { idempotencyKey: "g", deviceId, workspaceId: workspaces[0]!.workspaceId, prompt: "x" }),
      t.mutation(api.codex.sendMessage, { ...key, text: "x" }),
      t.mutation(api.codex.interruptTurn, key),
      t.mutation(api.codex.archiveThread, key),
      t.mutation(api.codex.unarchiveThread, key),
      t.mutation(api.codex.renameThread, { ...key, name: "x" }),
      t.mutation(api.codex.forkThread, key),
      t.mutation(api.codex.rollbackThread, { ...key, numTurns: 1 }),
      t.mutation(api.codex.answerServerRequest, { ...key, requestId: "r", response: { decision: "accept" } }),
      t.query(api.codex.getCommand, { idempotencyKey: "g" }),
    ];
    for (const call of calls) await expectCode(call, "UNAUTHENTICATED");
    expect(await t.query(api.codex.listDeviceCommands, { deviceSecret })).toEqual([]);
  });
});
