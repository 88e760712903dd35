/**
 * Serve mode on ONE shared codex (`--codex-process shared`): two browser
 * threads stream at once on the same process, each into its own session; a
 * kill -9 of that codex mid-turn records both running turns failed, and the
 * next message on each thread resumes it on the restarted codex.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { promptResponder } from "../../../test/chaos/scenario.js";
import type { ScriptedResponse } from "../../../test/stand-ins/model-server.js";
import { HEAVY_TEST_TIMEOUT_MS } from "../../../test/support/component.js";
import { appServerChildren } from "../../../test/support/procChildren.js";
import { createServeWorld, type ServeWorld } from "../../../test/support/serveWorld.js";

/** Pause between SSE events of the slow answers, in ms: long enough for the kill to land mid-turn. */
const SLOW_EVENT_DELAY_MS = 60;

const slow = (text: string): ScriptedResponse[] => [{ outputs: [{ type: "message", text, chunks: 40 }], eventDelayMs: SLOW_EVENT_DELAY_MS }];
const SCRIPTS: Record<string, ScriptedResponse[]> = {
  "thread one, slowly": slow("One, told slowly. ".repeat(4)),
  "thread two, slowly": slow("Two, told slowly. ".repeat(4)),
  "one again": [[{ type: "message", text: "One is back.", chunks: 2 }]],
  "two again": [[{ type: "message", text: "Two is back.", chunks: 2 }]],
};

let world: ServeWorld;

beforeAll(async () => {
  world = await createServeWorld({ model: { script: [], respond: promptResponder(SCRIPTS) }, codexProcess: "shared", maxThreads: 4 });
}, 60_000);

afterAll(async () => {
  await world?.close();
}, 60_000);

async function run(kind: string, args: Record<string, unknown>, threadId?: string) {
  const id = world.host.queue(kind, args, threadId ? { threadId } : {});
  return world.host.finished(id, 60_000);
}

function sessionLines(threadId: string): Array<Record<string, unknown>> {
  const sessionId = world.outbox.sessions().find((s) => s.meta.threadId === threadId)?.sessionId;
  const lines = sessionId ? world.transport.lines.get(sessionId) : undefined;
  return lines ? [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => JSON.parse(line) as Record<string, unknown>) : [];
}

function deltasOf(threadId: string): number {
  return world.notifications.filter((n) => n.threadId === threadId && n.method === "item/agentMessage/delta").length;
}

describe("serve mode on one shared codex", () => {
  test(
    "two threads stream at once into their own sessions; kill -9 fails both running turns, and each thread goes on",
    async () => {
      const [a, b] = await Promise.all([
        run("startThread", { workspaceId: world.workspaceId, prompt: "thread one, slowly" }),
        run("startThread", { workspaceId: world.workspaceId, prompt: "thread two, slowly" }),
      ]);
      expect(a.status, JSON.stringify(a.error)).toBe("done");
      expect(b.status, JSON.stringify(b.error)).toBe("done");
      const one = a.result!.threadId!;
      const two = b.result!.threadId!;
      await world.host.waitFor(() => deltasOf(one) >= 3 && deltasOf(two) >= 3, 60_000, "both threads streaming");
      const codex = appServerChildren(process.pid);
      expect(codex).toHaveLength(1);
      process.kill(codex[0] as number, "SIGKILL");

      for (const thread of [one, two]) {
        await world.host.waitFor(() => sessionLines(thread).some((m) => m.method === "bridge/turnFailed"), 30_000, `thread ${thread}'s cut-off turn recorded`);
        const lines = sessionLines(thread);
        expect(lines.filter((m) => m.method === "bridge/codexExited")).toHaveLength(1);
        const named = lines.flatMap((m) => {
          const p = (m.params ?? {}) as { threadId?: unknown };
          return typeof p.threadId === "string" ? [p.threadId] : [];
        });
        expect(new Set(named)).toEqual(new Set([thread]));
      }

      const [again1, again2] = await Promise.all([run("sendMessage", { text: "one again" }, one), run("sendMessage", { text: "two again" }, two)]);
      expect(again1.status, JSON.stringify(again1.error)).toBe("done");
      expect(again2.status, JSON.stringify(again2.error)).toBe("done");
      for (const [thread, turnId] of [[one, again1.result!.turnId!], [two, again2.result!.turnId!]] as const) {
        await world.host.waitFor(
          () => world.notifications.some((n) => n.method === "turn/completed" && (n.params as { turn: { id: string; status: string } }).turn.id === turnId),
          60_000,
          `the follow-up turn of ${thread}`,
        );
        const completed = world.notifications.find((n) => n.method === "turn/completed" && (n.params as { turn: { id: string } }).turn.id === turnId);
        expect((completed?.params as { turn: { status: string } }).turn.status).toBe("completed");
        expect(sessionLines(thread).some((m) => m.method === "thread/resume")).toBe(true);
      }
      const restarted = appServerChildren(process.pid);
      expect(restarted).toHaveLength(1);
      expect(restarted[0]).not.toBe(codex[0]);
    },
    HEAVY_TEST_TIMEOUT_MS,
  );
});
