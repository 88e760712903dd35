/** Every ThreadItem type of codex 0.169 maps to a kind, role, status, text and typed fields. */
import { describe, expect, test } from "vitest";
import { MAX_MESSAGE_PATHS, MAX_SUMMARY_FIELD_CHARS } from "../../src/shared/limits.js";
import { head, summarizeItem } from "./items.js";

const ITEMS: Record<string, Record<string, unknown>> = {
  userMessage: {
    id: "u", clientId: null,
    content: [{ type: "text", text: "hi", text_elements: [] }, { type: "localImage", path: "/tmp/a.png" }, { type: "text", text: "there", text_elements: [] }],
  },
  hookPrompt: { id: "h", fragments: [{ text: "be brief", hookRunId: "r1" }, { text: "cite files", hookRunId: "r2" }] },
  agentMessage: { id: "a", text: "Done.", phase: "final_answer", moderation: null, memoryCitation: null, delivery: null, questions: null },
  functionCallOutput: { id: "f", name: "lookup", namespace: "docs", output: [{ type: "input_text", text: "result" }] },
  plan: { id: "p", text: "1. read\n2. write" },
  reasoning: { id: "r", summary: ["**A**", "**B**"], content: ["raw one", "raw two"] },
  commandExecution: {
    id: "c", pluginId: null, scriptPath: null, command: "ls -a", cwd: "/w", processId: "7", source: "agent",
    status: "failed", commandActions: [], aggregatedOutput: "boom\n", exitCode: 2, durationMs: 12,
  },
  fileChange: {
    id: "fc", status: "declined",
    changes: [
      { path: "/w/a.ts", kind: { type: "update", move_path: null }, diff: "@@ -1 +1 @@\n-a\n+b\n" },
      { path: "/w/b.ts", kind: { type: "add" }, diff: "new\n" },
    ],
  },
  mcpToolCall: {
    id: "m", server: "github", tool: "search", status: "failed", arguments: { q: "x" }, appContext: null, mcpAppUi: null,
    pluginId: null, readOnlyHint: true, result: { content: [{ type: "text", text: "partial" }], structuredContent: null, _meta: null },
    error: { message: "rate limited" }, durationMs: 40,
  },
  dynamicToolCall: {
    id: "d", namespace: "app", tool: "open", arguments: {}, status: "completed", success: false,
    contentItems: [{ type: "inputText", text: "no such file" }], durationMs: 5,
  },
  collabAgentToolCall: {
    id: "co", tool: "spawnAgent", status: "interrupted", senderThreadId: "t1", receiverThreadIds: ["t2"],
    prompt: "check tests", model: null, reasoningEffort: null, agentsStates: {},
  },
  subAgentActivity: { id: "s", model: null, reasoningEffort: null, kind: "started", agentThreadId: "t2", agentPath: "root/tester" },
  webSearch: { id: "w", query: "convex limits", action: { type: "search", query: "convex limits" }, results: null },
  imageView: { id: "iv", path: "/w/shot.png" },
  sleep: { id: "sl", durationMs: 1500 },
  imageGeneration: { id: "ig", status: "completed", revisedPrompt: "a cat", failure: null, savedPath: "/w/cat.png", generationId: null, result: "…" },
  enteredReviewMode: { id: "er", review: "review the diff" },
  exitedReviewMode: { id: "xr", review: "looks good" },
  contextCompaction: { id: "cc" },
};

function summarize(type: string, completed = true) {
  return summarizeItem({ type, ...ITEMS[type] }, completed)!;
}

describe("summarizeItem", () => {
  test("covers every ThreadItem type of codex 0.169", () => {
    const kinds = Object.keys(ITEMS).map((type) => summarize(type).kind);
    expect(kinds).toEqual(Object.keys(ITEMS));
    for (const type of Object.keys(ITEMS)) expect(summarize(type).fields.role).toBeDefined();
  });

  test("texts and typed fields a UI shows", () => {
    expect(summarize("userMessage")).toMatchObject({ text: "hi\nthere", fields: { role: "user", paths: ["/tmp/a.png"] } });
    expect(summarize("hookPrompt")).toMatchObject({ text: "be brief\ncite files", fields: { role: "system" } });
    expect(summarize("agentMessage")).toMatchObject({ text: "Done.", fields: { role: "assistant", phase: "final_answer" } });
    expect(summarize("functionCallOutput")).toMatchObject({ text: "result", fields: { role: "tool", toolName: "lookup", server: "docs" } });
    expect(summarize("plan").text).toBe("1. read\n2. write");
    expect(summarize("commandExecution")).toMatchObject({
      status: "failed",
      text: "boom\n",
      fields: { role: "tool", command: "ls -a", cwd: "/w", exitCode: 2, durationMs: 12 },
    });
    expect(summarize("fileChange")).toMatchObject({
      status: "declined",
      text: "*** update /w/a.ts\n@@ -1 +1 @@\n-a\n+b\n\n*** add /w/b.ts\nnew\n",
      fields: { paths: ["/w/a.ts", "/w/b.ts"] },
    });
    expect(summarize("mcpToolCall")).toMatchObject({
      status: "failed",
      text: "partial",
      fields: { server: "github", toolName: "search", error: "rate limited", durationMs: 40 },
    });
    expect(summarize("dynamicToolCall")).toMatchObject({ status: "failed", text: "no such file", fields: { toolName: "open", server: "app" } });
    expect(summarize("collabAgentToolCall")).toMatchObject({ status: "interrupted", text: "check tests", fields: { toolName: "spawnAgent" } });
    expect(summarize("subAgentActivity")).toMatchObject({ text: "root/tester", fields: { role: "system" } });
    expect(summarize("webSearch").text).toBe("convex limits");
    expect(summarize("imageView").fields.paths).toEqual(["/w/shot.png"]);
    expect(summarize("sleep").fields.durationMs).toBe(1500);
    expect(summarize("imageGeneration")).toMatchObject({ text: "a cat", fields: { paths: ["/w/cat.png"] } });
    expect(summarize("enteredReviewMode").text).toBe("review the diff");
    expect(summarize("exitedReviewMode").text).toBe("looks good");
    expect(summarize("contextCompaction")).toMatchObject({ text: undefined, status: "completed", fields: { role: "system" } });
  });

  test("raw reasoning content is kept apart from the stored item", () => {
    const summary = summarize("reasoning");
    expect(summary.text).toBe("**A**\n\n**B**");
    expect(summary.reasoningContent).toEqual(["raw one", "raw two"]);
    expect(JSON.parse(summary.raw)).toEqual({ type: "reasoning", id: "r", summary: ["**A**", "**B**"], content: [] });
    expect(summary.raw).not.toContain("raw one");
  });

  test("statuses: started items are in progress, completed ones settle", () => {
    expect(summarize("agentMessage", false).status).toBe("inProgress");
    expect(summarize("commandExecution", false).status).toBe("failed");
    expect(summarizeItem({ type: "commandExecution", id: "x", status: "inProgress" }, true)?.status).toBe("completed");
    expect(summarizeItem({ type: "someFutureItem", id: "x", status: "weird" }, false)).toMatchObject({ kind: "someFutureItem", status: "inProgress", fields: {} });
    expect(summarizeItem({ type: "agentMessage" }, true)).toBeUndefined();
  });

  test("display fields stay small; the raw item keeps them whole", () => {
    const command = "x".repeat(MAX_SUMMARY_FIELD_CHARS * 3);
    const changes = Array.from({ length: MAX_MESSAGE_PATHS + 5 }, (_, i) => ({ path: `/w/${i}`, kind: { type: "add" }, diff: "" }));
    expect(summarizeItem({ type: "commandExecution", id: "c", command }, true)?.fields.command).toHaveLength(MAX_SUMMARY_FIELD_CHARS);
    expect(summarizeItem({ type: "fileChange", id: "f", changes }, true)?.fields).toMatchObject({
      paths: expect.arrayContaining(["/w/0"]),
      pathCount: MAX_MESSAGE_PATHS + 5,
    });
  });
});

describe("head", () => {
  test("cuts between code points, never inside a surrogate pair", () => {
    const emoji = "😀"; // two UTF-16 code units
    expect(head("ab" + emoji, 3)).toBe("ab");
    expect(head("a" + emoji + "b", 3)).toBe("a" + emoji);
    expect(head("abcd", 3)).toBe("abc");
    expect(head(emoji.repeat(MAX_SUMMARY_FIELD_CHARS))?.length).toBe(MAX_SUMMARY_FIELD_CHARS);
    expect(head("x" + emoji.repeat(MAX_SUMMARY_FIELD_CHARS))?.length).toBe(MAX_SUMMARY_FIELD_CHARS - 1);
  });
});
