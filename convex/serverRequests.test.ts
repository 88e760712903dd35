/** Server requests (approvals, user input): pending until resolved, answered by the bridge, cancelled with their turn. */
import { describe, expect, test } from "vitest";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest } from "../test/convexTest.js";
import { BOB, ingestLines } from "../test/support/component.js";
import { notification, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";

function request(id: number | string, method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ method, id, params });
}

const approval = request(0, "item/commandExecution/requestApproval", {
  kind: "command", threadId: "th-1", turnId: "tu-1", itemId: "call_1", startedAtMs: 1, environmentId: "local",
  reason: "Allow network?", command: "curl example.com", cwd: "/w",
});
const question = request("q-1", "item/tool/requestUserInput", {
  threadId: "th-1", turnId: "tu-1", itemId: "ask_1", questions: [{ id: "x", question: "Which branch?" }], isBlocking: true, autoResolutionMs: null,
});

describe("server requests", () => {
  test("pending until codex resolves them; the bridge's answer is recorded", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1"), approval, question]);
    const pending = await alice.query(api.codex.listServerRequests, { threadId: "th-1" });
    expect(pending.map((r) => [r.requestId, r.method, r.itemId, r.status])).toEqual([
      ['"q-1"', "item/tool/requestUserInput", "ask_1", "pending"],
      ["0", "item/commandExecution/requestApproval", "call_1", "pending"],
    ]);
    expect(pending[1]).toMatchObject({ reason: "Allow network?", command: "curl example.com", cwd: "/w", turnId: "tu-1" });
    expect(JSON.parse(pending[0]!.params)).toMatchObject({ questions: [{ question: "Which branch?" }] });

    await ingestLines(t, [JSON.stringify({ id: 0, result: { decision: "accept" } })], { origin: "bridge" });
    expect(await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "answered" })).toEqual([
      expect.objectContaining({ requestId: "0", decision: "accept" }),
    ]);
    await ingestLines(t, [notification("serverRequest/resolved", { threadId: "th-1", requestId: 0 })]);
    expect(await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "resolved" })).toEqual([
      expect.objectContaining({ requestId: "0", decision: "accept", resolvedAt: expect.any(Number) }),
    ]);
    // The question is still open until its turn ends, which cancels it.
    expect((await alice.query(api.codex.listServerRequests, { threadId: "th-1" })).map((r) => r.requestId)).toEqual(['"q-1"']);
    await ingestLines(t, [turnCompleted("th-1", "tu-1", "interrupted")]);
    expect(await alice.query(api.codex.listServerRequests, { threadId: "th-1" })).toEqual([]);
    expect(await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "cancelled" })).toEqual([
      expect.objectContaining({ requestId: '"q-1"' }),
    ]);
  });

  test("a turn the bridge reports failed (its codex is gone) expires its open requests with the reason; they cannot be answered", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, [threadStarted("th-1"), turnStarted("th-1", "tu-1"), approval]);
    const reason = "the bridge process (pid 42) that held this turn ended; its codex is gone";
    await ingestLines(t, [JSON.stringify({ method: "bridge/turnFailed", params: { threadId: "th-1", turnId: "tu-1", reason } })], { origin: "bridge" });
    expect(await alice.query(api.codex.listServerRequests, { threadId: "th-1" })).toEqual([]);
    expect(await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "cancelled" })).toEqual([]);
    expect(await alice.query(api.codex.listServerRequests, { threadId: "th-1", status: "expired" })).toEqual([
      expect.objectContaining({ requestId: "0", expiredReason: reason, resolvedAt: expect.any(Number) }),
    ]);
  });

  test("another user cannot list them; an unknown resolution is kept in the log", async () => {
    const t = initConvexTest();
    const alice = await ingestLines(t, [threadStarted("th-1"), approval, notification("serverRequest/resolved", { threadId: "th-1", requestId: 42 })]);
    await expect(t.withIdentity(BOB).query(api.codex.listServerRequests, { threadId: "th-1" })).rejects.toThrow(/No thread/);
    await expect(t.query(api.codex.listServerRequests, { threadId: "th-1" })).rejects.toThrow(/Sign in/);
    const log = await alice.query(api.codex.listEvents, { threadId: "th-1", paginationOpts: { numItems: 5, cursor: null } });
    expect(log.page.map((e) => e.method)).toEqual(["serverRequest/resolved"]);
    await expect(alice.query(api.codex.listServerRequests, { threadId: "th-1", limit: 0 })).rejects.toThrow(/INVALID_ARGUMENT|limit must be/);
  });
});
