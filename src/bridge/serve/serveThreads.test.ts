/**
 * Serve mode with one codex slot (`--max-threads 1`): an idle thread's codex
 * is stopped to make room and the thread resumed later; fork and rollback
 * reach codex; a refused device stops the loop.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { promptResponder } from "../../../test/chaos/scenario.js";
import type { ScriptedResponse } from "../../../test/stand-ins/model-server.js";
import { createServeWorld, type ServeWorld } from "../../../test/support/serveWorld.js";
import { BridgeError, isBridgeError } from "../errors.js";

const SCRIPTS: Record<string, ScriptedResponse[]> = {
  "first thread": [[{ type: "message", text: "One.", chunks: 1 }]],
  "second thread": [[{ type: "message", text: "Two.", chunks: 1 }]],
  "back to the first": [[{ type: "message", text: "Back.", chunks: 1 }]],
};

let world: ServeWorld;
const fatal: BridgeError[] = [];

beforeAll(async () => {
  world = await createServeWorld({ model: { script: [], respond: promptResponder(SCRIPTS) }, maxThreads: 1, loop: { heartbeatMs: 200, onFatal: (e) => fatal.push(e) } });
}, 60_000);

afterAll(async () => {
  await world?.close();
}, 60_000);

async function run(kind: string, args: Record<string, unknown>, threadId?: string) {
  const id = world.host.queue(kind, args, threadId ? { threadId } : {});
  return world.host.finished(id, 60_000);
}

async function completed(turnId: string): Promise<void> {
  await world.host.waitFor(() => world.notifications.some((n) => n.method === "turn/completed" && (n.params as { turn: { id: string } }).turn.id === turnId), 60_000, `turn ${turnId}`);
}

describe("serve mode within --max-threads 1", () => {
  test("a second thread takes the idle first one's slot; the first is resumed for its next message", async () => {
    const a = await run("startThread", { workspaceId: world.workspaceId, prompt: "first thread" });
    await completed(a.result!.turnId!);
    const b = await run("startThread", { workspaceId: world.workspaceId, prompt: "second thread" });
    expect(b.status).toBe("done");
    await completed(b.result!.turnId!);
    expect(world.loop.runningThreadIds()).toEqual([b.result!.threadId]);
    const again = await run("sendMessage", { text: "back to the first" }, a.result!.threadId!);
    expect(again.status, JSON.stringify(again.error)).toBe("done");
    await completed(again.result!.turnId!);
    expect(world.loop.runningThreadIds()).toEqual([a.result!.threadId]);
    expect(world.transport.all().some((m) => m.method === "thread/resume" && (m.params as { threadId: string }).threadId === a.result!.threadId)).toBe(true);
  }, 120_000);

  test("fork makes a new thread; rollback reverts the last turn", async () => {
    const a = await run("startThread", { workspaceId: world.workspaceId, prompt: "first thread" });
    await completed(a.result!.turnId!);
    const fork = await run("forkThread", {}, a.result!.threadId!);
    expect(fork.status, JSON.stringify(fork.error)).toBe("done");
    expect(fork.result?.threadId).toMatch(/\S/);
    expect(fork.result?.threadId).not.toBe(a.result!.threadId);
    const rollback = await run("rollbackThread", { numTurns: 1 }, a.result!.threadId!);
    expect(rollback.status, JSON.stringify(rollback.error)).toBe("done");
    expect(world.transport.all().some((m) => m.method === "thread/revert" && (m.params as { beforeTurnId: string }).beforeTurnId === a.result!.turnId)).toBe(true);
    const tooMany = await run("rollbackThread", { numTurns: 5 }, a.result!.threadId!);
    expect(tooMany).toMatchObject({ status: "failed", error: { code: "INVALID_COMMAND" } });
  }, 120_000);

  test("while the host is unreachable nothing is claimed; once it is back the queued command runs, once", async () => {
    world.host.refuseWith = { code: "UNAVAILABLE", message: "network down (simulated)" };
    const id = world.host.queue("startThread", { workspaceId: world.workspaceId, prompt: "first thread" });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(world.host.commands.get(id)?.status).toBe("queued");
    world.host.refuseWith = null;
    const command = await world.host.finished(id, 30_000);
    expect(command.status).toBe("done");
    expect(world.host.claims.filter((c) => c === id)).toHaveLength(1);
  }, 60_000);

  test("a revoked device stops the loop once, with DEVICE_REVOKED", async () => {
    world.host.refuseWith = { code: "DEVICE_REVOKED", message: "revoked in the browser" };
    try {
      await world.host.waitFor(() => fatal.length > 0, 10_000, "the fatal error");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(fatal).toHaveLength(1);
      expect(isBridgeError(fatal[0], "DEVICE_REVOKED")).toBe(true);
      expect(fatal[0]?.message).toMatch(/outbox is kept.*pair/);
    } finally {
      world.host.refuseWith = null;
    }
  }, 30_000);
});
