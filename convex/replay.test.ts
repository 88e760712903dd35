/**
 * Replays recorded real `codex app-server` 0.169 transcripts (the lines codex
 * wrote, in order, as bridge events in a few batches) and checks the stored
 * thread: messages, turns, server requests, and that replaying again changes
 * nothing.
 */
import { afterEach, describe, expect, test, vi } from "vitest";
import approvalTurn from "../test/fixtures/transcripts/approval-turn.jsonl?raw";
import interruptTurn from "../test/fixtures/transcripts/interrupt-turn.jsonl?raw";
import textTurn from "../test/fixtures/transcripts/text-turn.jsonl?raw";
import toolsTurn from "../test/fixtures/transcripts/tools-turn.jsonl?raw";
import { api } from "../example/convex/_generated/api.js";
import { initConvexTest, type TestConvexApp } from "../test/convexTest.js";
import { dumpTables, HEAVY_TEST_TIMEOUT_MS, ingestEvents, largestDocument, transcriptEvents } from "../test/support/component.js";

const BATCH = 7;

async function replay(jsonl: string) {
  const t = initConvexTest();
  const events = transcriptEvents(jsonl);
  const alice = await ingestEvents(t, events, { batch: BATCH });
  const threadId = (await alice.query(api.codex.listThreads, { paginationOpts: { numItems: 5, cursor: null } })).page[0]!.threadId;
  const page = await alice.query(api.codex.listMessages, { threadId, order: "asc", paginationOpts: { numItems: 50, cursor: null } });
  const turns = await alice.query(api.codex.listTurns, { threadId });
  return { t, alice, events, threadId, messages: page.page, turns };
}

async function expectIdempotent(t: TestConvexApp, events: ReturnType<typeof transcriptEvents>) {
  const before = await dumpTables(t);
  await ingestEvents(t, events, { batch: BATCH + 4 });
  expect(await dumpTables(t)).toEqual(before);
  expect((await largestDocument(t)).bytes).toBeLessThan(1024 * 1024);
}

afterEach(() => {
  vi.useRealTimers();
});

describe("replaying recorded codex 0.169 transcripts", () => {
  test("text turn: the user's message and a streamed agent message", async () => {
    const { t, events, messages, turns, alice, threadId } = await replay(textTurn);
    expect(messages.map((m) => [m.kind, m.role, m.status, m.text])).toEqual([
      ["userMessage", "user", "completed", "Say hello in a few words."],
      ["agentMessage", "assistant", "completed", "Hello from the scripted model, streamed in eight pieces."],
    ]);
    expect(turns).toEqual([expect.objectContaining({ status: "completed", durationMs: 118 })]);
    expect(turns[0]!.tokenUsage?.total.totalTokens).toBeGreaterThan(0);
    expect(await alice.query(api.codex.getThread, { threadId })).toMatchObject({
      cwd: "/tmp/codex-convex-cwd-9kkcNT",
      model: "gpt-5.5",
      status: "idle",
    });
    await expectIdempotent(t, events);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("tools turn: reasoning (raw content hidden), a command with output, a file change, the turn's diff", async () => {
    const { t, events, messages, turns, alice, threadId } = await replay(toolsTurn);
    expect(messages.map((m) => [m.itemId, m.kind, m.status])).toEqual([
      [expect.any(String), "userMessage", "completed"],
      ["rs_2", "reasoning", "completed"],
      ["msg_3", "agentMessage", "completed"],
      ["call_4", "commandExecution", "completed"],
      ["rs_6", "reasoning", "completed"],
      ["call_7", "fileChange", "completed"],
      ["msg_9", "agentMessage", "completed"],
    ]);
    const byId = new Map(messages.map((m) => [m.itemId, m]));
    expect(byId.get("rs_2")).toMatchObject({ role: "assistant", text: "**Looking around**\n\nI will list the directory first.", reasoningContentLength: 19 });
    expect(JSON.parse(byId.get("rs_2")!.item).content).toEqual([]);
    expect(byId.get("call_4")).toMatchObject({
      role: "tool",
      command: "/bin/bash -lc 'sleep 0.2 && echo hello-from-shell && sleep 0.2 && ls -a'",
      cwd: "/tmp/codex-convex-cwd-PuQuVZ",
      exitCode: 0,
      durationMs: 454,
      text: "hello-from-shell\n.\n..\n",
    });
    expect(byId.get("call_7")).toMatchObject({ paths: ["/tmp/codex-convex-cwd-PuQuVZ/notes.txt"] });
    expect(byId.get("call_7")!.text).toBe("*** add /tmp/codex-convex-cwd-PuQuVZ/notes.txt\nfirst line\nsecond line\n");
    expect(byId.get("msg_9")?.text).toBe("I ran a command and wrote notes.txt.");
    // Raw reasoning stays hidden from this host (exposeRawReasoning is off).
    const full = await alice.query(api.codex.getMessageText, { threadId, itemId: "rs_2" });
    expect(full?.reasoningContent).toBeUndefined();
    expect(JSON.stringify(full)).not.toContain("Raw reasoning text.");
    expect(turns[0]).toMatchObject({ status: "completed", diffLength: expect.any(Number) });
    expect(turns[0]!.diff).toContain("diff --git a/notes.txt b/notes.txt");
    expect(await alice.query(api.codex.getTurnDiff, { threadId, turnId: turns[0]!.turnId })).toBe(turns[0]!.diff);
    await expectIdempotent(t, events);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("interrupt turn: the turn is interrupted and its unfinished agent message keeps the streamed text", async () => {
    const { t, events, messages, turns } = await replay(interruptTurn);
    expect(turns).toEqual([expect.objectContaining({ status: "interrupted" })]);
    expect(messages.map((m) => [m.kind, m.status, m.text])).toEqual([
      ["userMessage", "completed", "Write a long answer slowly."],
      ["agentMessage", "interrupted", "This answer "],
    ]);
    expect(messages[1]!.completedAt).toBeUndefined();
    await expectIdempotent(t, events);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("approval turn: both server requests are recorded and resolved", async () => {
    const { t, events, messages, alice, threadId } = await replay(approvalTurn);
    expect(messages.map((m) => [m.itemId, m.kind, m.status])).toEqual([
      [expect.any(String), "userMessage", "completed"],
      ["call_2", "commandExecution", "completed"],
      ["call_4", "fileChange", "completed"],
      ["msg_6", "agentMessage", "completed"],
    ]);
    expect(await alice.query(api.codex.listServerRequests, { threadId })).toEqual([]);
    const resolved = await alice.query(api.codex.listServerRequests, { threadId, status: "resolved" });
    expect(resolved.map((r) => [r.requestId, r.method, r.itemId])).toEqual([
      ["1", "item/fileChange/requestApproval", "call_4"],
      ["0", "item/commandExecution/requestApproval", "call_2"],
    ]);
    expect(resolved[1]).toMatchObject({ command: "/bin/bash -lc 'touch approved.txt && echo approved'", reason: "Allow this scripted command?" });
    await expectIdempotent(t, events);
  }, HEAVY_TEST_TIMEOUT_MS);

  test("scheduled cleanup folds and expires every stream; the durable messages stay", async () => {
    vi.useFakeTimers();
    const { t, alice, threadId, messages } = await replay(interruptTurn);
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    const tables = await dumpTables(t);
    expect(tables.deltas).toEqual([]);
    expect(tables.streams).toEqual([]);
    const after = await alice.query(api.codex.listMessages, { threadId, order: "asc", paginationOpts: { numItems: 50, cursor: null } });
    expect(after.page.map((m) => [m.status, m.text])).toEqual(messages.map((m) => [m.status, m.text]));
  }, HEAVY_TEST_TIMEOUT_MS);
});
