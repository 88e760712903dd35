/**
 * Runs the real codex binary against the scripted model for one text turn and
 * checks that what codex streams back is exactly what the script said.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, describe, expect, it } from "vitest";
import { CODEX_BINARY_PATH, makeCodexHome, type CodexHome } from "./codex-home.js";
import { addFilePatch, startScriptedModel, type ScriptedModel } from "./model-server.js";

/** Upper bound for one whole turn, spawn to `turn/completed` (ms). */
const TURN_TIMEOUT_MS = 15_000;
const SCRIPTED_TEXT = "The scripted model says hello, one small piece at a time.";
const SCRIPTED_CHUNKS = 8;

type Message = { id?: number | string; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: unknown };

/** Minimal JSON-RPC driver over codex's stdio: requests, collected notifications, awaited methods. */
function drive(child: ChildProcessWithoutNullStreams) {
  const received: Message[] = [];
  const waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line) as Message;
    received.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const waitFor = (match: (m: Message) => boolean): Promise<Message> =>
    new Promise((resolve, reject) => {
      const seen = received.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => reject(new Error("timed out waiting for codex")), TURN_TIMEOUT_MS);
      waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  let nextId = 1;
  const request = async (method: string, params: unknown): Promise<Record<string, unknown>> => {
    const id = nextId++;
    child.stdin.write(`${JSON.stringify({ id, method, params })}\n`);
    const reply = await waitFor((m) => m.id === id && m.method === undefined);
    if (reply.error !== undefined) throw new Error(`${method} failed: ${JSON.stringify(reply.error)}`);
    return reply.result ?? {};
  };
  const notify = (method: string) => child.stdin.write(`${JSON.stringify({ method })}\n`);
  return { received, request, notify, waitFor };
}

describe("scripted model with the real codex app-server", () => {
  let model: ScriptedModel | undefined;
  let home: CodexHome | undefined;
  let child: ChildProcessWithoutNullStreams | undefined;
  let cwd: string | undefined;

  afterEach(async () => {
    child?.kill();
    await model?.close();
    await home?.cleanup();
    if (cwd) await rm(cwd, { recursive: true, force: true });
  });

  it("streams the scripted text back as agent message deltas", async () => {
    model = await startScriptedModel({ script: [[{ type: "message", text: SCRIPTED_TEXT, chunks: SCRIPTED_CHUNKS }]] });
    home = await makeCodexHome({ modelUrl: model.url });
    cwd = await mkdtemp(join(tmpdir(), "codex-convex-cwd-"));
    child = spawn(CODEX_BINARY_PATH, ["app-server"], { env: home.env, cwd, stdio: ["pipe", "pipe", "pipe"] });
    const codex = drive(child);

    await codex.request("initialize", { clientInfo: { name: "codex_convex_test", title: null, version: "0.0.0" }, capabilities: null });
    codex.notify("initialized");
    const { thread } = (await codex.request("thread/start", { cwd })) as { thread: { id: string } };
    const { turn } = (await codex.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "Say hello.", text_elements: [] }],
    })) as { turn: { id: string } };
    const completed = await codex.waitFor((m) => m.method === "turn/completed");

    expect((completed.params?.turn as { status: string }).status).toBe("completed");
    const deltas = codex.received
      .filter((m) => m.method === "item/agentMessage/delta")
      .map((m) => m.params as { threadId: string; turnId: string; delta: string });
    expect(deltas).toHaveLength(SCRIPTED_CHUNKS);
    expect(deltas.every((d) => d.threadId === thread.id && d.turnId === turn.id)).toBe(true);
    expect(deltas.map((d) => d.delta).join("")).toBe(SCRIPTED_TEXT);

    const [body] = model.responseRequests();
    expect(model.responseRequests()).toHaveLength(1);
    expect(JSON.stringify(body?.input)).toContain("Say hello.");
    const toolNames = (body?.tools as { name?: string }[]).map((tool) => tool.name);
    expect(toolNames).toEqual(expect.arrayContaining(["exec_command", "apply_patch"]));
  });
});

describe("scripted model over plain HTTP", () => {
  const post = (url: string, body: unknown) =>
    fetch(`${url}/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const eventTypes = (sse: string) => [...sse.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);

  it("answers in script order, then with the fallback message, and records every request", async () => {
    const server = await startScriptedModel({
      script: [[{ type: "reasoning", summary: ["thinking"] }, { type: "shell", command: ["echo", "a b"] }]],
      fallbackText: "bye",
    });
    try {
      const first = await (await post(server.url, { n: 1, tools: [{ type: "function", name: "exec_command" }] })).text();
      expect(eventTypes(first)).toEqual([
        "response.created",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.output_item.done",
        "response.output_item.added",
        "response.output_item.done",
        "response.completed",
      ]);
      expect(first).toContain(JSON.stringify(JSON.stringify({ cmd: "echo 'a b'" })));
      const second = await (await post(server.url, { n: 2 })).text();
      expect(second).toContain('"delta":"bye"');
      expect((await fetch(`${server.url}/models`)).status).toBe(404);
      expect(server.responseRequests()).toEqual([{ n: 1, tools: [{ type: "function", name: "exec_command" }] }, { n: 2 }]);
      expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /v1/responses", "POST /v1/responses", "GET /v1/models"]);
    } finally {
      await server.close();
    }
  });

  it("waits eventDelayMs between events", async () => {
    const delayMs = 30;
    const server = await startScriptedModel({ script: [[{ type: "message", text: "abcd", chunks: 4 }]], eventDelayMs: delayMs });
    try {
      const startedAt = Date.now();
      const sse = await (await post(server.url, {})).text();
      const events = eventTypes(sse).length;
      expect(events).toBe(8);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual((events - 1) * delayMs - 5);
    } finally {
      await server.close();
    }
  });
});

describe("addFilePatch", () => {
  it("writes an apply_patch Add File hunk", () => {
    expect(addFilePatch("a.txt", "one\ntwo\n")).toBe("*** Begin Patch\n*** Add File: a.txt\n+one\n+two\n*** End Patch\n");
  });
});
