/**
 * The serve loop against the fake command host, with the real codex binary
 * and the scripted model: the browser starts a thread, answers approvals,
 * steers and interrupts, and every command is claimed and run once.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { promptResponder } from "../../../test/chaos/scenario.js";
import { addFilePatch, type ScriptedResponse } from "../../../test/stand-ins/model-server.js";
import { createServeWorld, type ServeWorld } from "../../../test/support/serveWorld.js";

const LONG_TEXT = "This answer streams slowly, word by word, so that the browser can steer it and then interrupt it midway. ".repeat(3);

const SCRIPTS: Record<string, ScriptedResponse[]> = {
  hello: [[{ type: "message", text: "Hi from codex.", chunks: 2 }]],
  "run the approved command": [[{ type: "shell", command: "echo approved-output", escalate: true }], [{ type: "message", text: "Ran it.", chunks: 1 }]],
  "run the declined command": [[{ type: "shell", command: "echo never-runs", escalate: true }], [{ type: "message", text: "It was declined.", chunks: 1 }]],
  "write a file": [[{ type: "patch", patch: addFilePatch("from-browser.txt", "approved patch") }], [{ type: "message", text: "Wrote it.", chunks: 1 }]],
  "stream slowly": [{ outputs: [{ type: "message", text: LONG_TEXT, chunks: 60 }], eventDelayMs: 60 }],
  "also mention steering": [[{ type: "message", text: "Steered.", chunks: 1 }]],
};

let world: ServeWorld;

beforeAll(async () => {
  world = await createServeWorld({ model: { script: [], respond: promptResponder(SCRIPTS) }, maxThreads: 4 });
}, 60_000);

afterAll(async () => {
  await world?.close();
}, 60_000);

function methods(): string[] {
  return world.transport.all().map((m) => String(m.method ?? ""));
}

async function turnCompleted(turnId: string, timeoutMs = 60_000): Promise<{ status: string }> {
  await world.host.waitFor(() => world.notifications.some((n) => n.method === "turn/completed" && (n.params as { turn: { id: string } }).turn.id === turnId), timeoutMs, `turn ${turnId} to complete`);
  const done = world.notifications.find((n) => n.method === "turn/completed" && (n.params as { turn: { id: string } }).turn.id === turnId);
  return (done?.params as { turn: { status: string } }).turn;
}

async function heldRequest(method: string): Promise<{ threadId: string; id: string | number; seq: number | undefined }> {
  await world.host.waitFor(() => world.broker.pending().some((p) => p.request.method === method), 60_000, `a held ${method}`);
  const held = world.broker.pending().find((p) => p.request.method === method)!;
  return { threadId: held.threadId!, id: held.request.id, seq: held.seq };
}

async function startThread(prompt: string): Promise<{ threadId: string; turnId: string }> {
  const commandId = world.host.queue("startThread", { workspaceId: world.workspaceId, prompt });
  const command = await world.host.finished(commandId);
  expect(command.error).toBeUndefined();
  expect(command.status).toBe("done");
  return command.result as { threadId: string; turnId: string };
}

describe("serve mode: the desktop runs the browser's commands", () => {
  test("startThread runs a turn in the declared workspace; the outcome is reported and recorded on the thread", async () => {
    const { threadId, turnId } = await startThread("hello");
    expect(threadId).toMatch(/\S/);
    expect((await turnCompleted(turnId)).status).toBe("completed");
    await world.host.waitFor(() => methods().includes("bridge/command"), 30_000, "the bridge/command line to be pushed");
    const record = world.transport.all().find((m) => m.method === "bridge/command");
    expect(record?.params).toMatchObject({ kind: "startThread", status: "done", threadId, turnId });
    const threadStart = world.transport.all().find((m) => m.method === "thread/start");
    expect(threadStart?.params).toMatchObject({ cwd: world.workspace });
    expect(world.host.heartbeats[0]).toMatchObject({ workspaces: [{ path: world.workspace, label: "test" }] });
  }, 90_000);

  test("a workspace the device did not declare is refused; nothing starts", async () => {
    const before = world.model.responseRequests().length;
    const commandId = world.host.queue("startThread", { workspaceId: "ws_attacker", prompt: "hello" });
    const command = await world.host.finished(commandId);
    expect(command).toMatchObject({ status: "failed", error: { code: "WORKSPACE_NOT_FOUND" } });
    expect(world.model.responseRequests().length).toBe(before);
  }, 30_000);

  test("a command approval accepted in the browser runs the command; a second answer finds it answered", async () => {
    const { turnId } = await startThread("run the approved command");
    const request = await heldRequest("item/commandExecution/requestApproval");
    expect(request.seq).toBeGreaterThan(0); // the outbox seq of the request line, which F's answer carries as requestSeq
    const stale = world.host.queue(
      "answerServerRequest",
      { jsonRpcId: request.id, method: "item/commandExecution/requestApproval", response: { decision: "accept" }, requestSeq: request.seq! - 1 },
      { threadId: request.threadId },
    );
    expect(await world.host.finished(stale)).toMatchObject({ status: "failed", error: { code: "REQUEST_EXPIRED" } });
    const answer = world.host.queue(
      "answerServerRequest",
      { threadId: request.threadId, jsonRpcId: request.id, method: "item/commandExecution/requestApproval", response: { decision: "accept" }, requestSeq: request.seq },
      { threadId: request.threadId },
    );
    expect((await world.host.finished(answer)).status).toBe("done");
    expect((await turnCompleted(turnId)).status).toBe("completed");
    const item = world.notifications.find((n) => n.method === "item/completed" && (n.params as { item: { type: string } }).item.type === "commandExecution");
    expect((item?.params as { item: { status: string; aggregatedOutput: string } }).item).toMatchObject({ status: "completed", aggregatedOutput: expect.stringContaining("approved-output") });
    const again = world.host.queue("answerServerRequest", { jsonRpcId: request.id, method: "item/commandExecution/requestApproval", response: { decision: "accept" } }, { threadId: request.threadId });
    expect(await world.host.finished(again)).toMatchObject({ status: "failed", error: { code: "REQUEST_EXPIRED" } });
  }, 90_000);

  test("a command approval declined in the browser does not run it; the turn completes", async () => {
    const { turnId } = await startThread("run the declined command");
    const request = await heldRequest("item/commandExecution/requestApproval");
    const wrongKind = world.host.queue("answerServerRequest", { jsonRpcId: request.id, method: "item/fileChange/requestApproval", response: { decision: "accept" } }, { threadId: request.threadId });
    expect(await world.host.finished(wrongKind)).toMatchObject({ status: "failed", error: { code: "INVALID_COMMAND" } });
    const answer = world.host.queue("answerServerRequest", { jsonRpcId: request.id, method: "item/commandExecution/requestApproval", response: { decision: "decline" } }, { threadId: request.threadId });
    expect((await world.host.finished(answer)).status).toBe("done");
    expect((await turnCompleted(turnId)).status).toBe("completed");
    const item = world.notifications.filter((n) => n.method === "item/completed" && (n.params as { item: { type: string; command?: string } }).item.command?.includes("never-runs"));
    expect((item[0]?.params as { item: { status: string } }).item.status).toBe("declined");
  }, 90_000);

  test("a file-change approval accepted in the browser writes the file", async () => {
    const { turnId } = await startThread("write a file");
    const request = await heldRequest("item/fileChange/requestApproval");
    const answer = world.host.queue("answerServerRequest", { jsonRpcId: request.id, method: "item/fileChange/requestApproval", response: { decision: "accept" } }, { threadId: request.threadId });
    expect((await world.host.finished(answer)).status).toBe("done");
    expect((await turnCompleted(turnId)).status).toBe("completed");
    expect(existsSync(path.join(world.workspace, "from-browser.txt"))).toBe(true);
  }, 90_000);

  test("sendMessage steers the running turn; interruptTurn ends it interrupted with its text kept", async () => {
    const { threadId, turnId } = await startThread("stream slowly");
    const deltas = () => world.notifications.filter((n) => n.method === "item/agentMessage/delta" && n.threadId === threadId).length;
    await world.host.waitFor(() => deltas() >= 3, 60_000, "the first deltas");
    const steer = world.host.queue("sendMessage", { text: "also mention steering" }, { threadId });
    expect(await world.host.finished(steer)).toMatchObject({ status: "done", result: { threadId, turnId } });
    expect(world.transport.all().some((m) => m.method === "turn/steer") || methods().includes("turn/steer")).toBe(true);
    const interrupt = world.host.queue("interruptTurn", {}, { threadId });
    expect(await world.host.finished(interrupt)).toMatchObject({ status: "done", result: { threadId, turnId } });
    expect((await turnCompleted(turnId)).status).toBe("interrupted");
    expect(deltas()).toBeGreaterThanOrEqual(3);
    const nothing = world.host.queue("interruptTurn", {}, { threadId });
    expect(await world.host.finished(nothing)).toMatchObject({ status: "failed", error: { code: "NO_ACTIVE_TURN" } });
  }, 90_000);

  test("sendMessage on an idle thread starts a new turn; rename and archive reach codex", async () => {
    const { threadId, turnId: first } = await startThread("hello");
    await turnCompleted(first);
    const send = world.host.queue("sendMessage", { text: "hello" }, { threadId });
    const sent = await world.host.finished(send);
    expect(sent.status).toBe("done");
    expect(sent.result?.turnId).not.toBe(first);
    await turnCompleted(sent.result!.turnId!);
    const rename = world.host.queue("renameThread", { name: "From the browser" }, { threadId });
    expect((await world.host.finished(rename)).status).toBe("done");
    const archive = world.host.queue("archiveThread", {}, { threadId });
    expect((await world.host.finished(archive)).status).toBe("done");
  }, 90_000);

  test("a command listed again after it ran is never claimed or run twice; one idempotency key is one command", async () => {
    const key = "same-key";
    const id = world.host.queue("startThread", { workspaceId: world.workspaceId, prompt: "hello" }, { idempotencyKey: key });
    expect(world.host.queue("startThread", { workspaceId: world.workspaceId, prompt: "hello" }, { idempotencyKey: key })).toBe(id);
    const command = await world.host.finished(id);
    await turnCompleted(command.result!.turnId!);
    const turnStarts = () => world.transport.all().filter((m) => m.method === "turn/start").length;
    const before = turnStarts();
    // A host that wrongly lists it as queued again (and would let it be claimed again).
    const stored = world.host.commands.get(id)!;
    stored.status = "queued";
    world.host.queue("interruptTurn", {}, { threadId: command.result!.threadId! }); // any change re-publishes the list
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(world.host.claims.filter((c) => c === id)).toHaveLength(1);
    expect(turnStarts()).toBe(before);
  }, 90_000);

  test("malformed arguments are refused with INVALID_COMMAND", async () => {
    const bad = world.host.queue("rollbackThread", { numTurns: -1 }, { threadId: "t" });
    expect(await world.host.finished(bad)).toMatchObject({ status: "failed", error: { code: "INVALID_COMMAND" } });
    const unknown = world.host.queue("formatDisk", {}, { threadId: "t" });
    expect(await world.host.finished(unknown)).toMatchObject({ status: "failed", error: { code: "INVALID_COMMAND" } });
    const noThread = world.host.queue("sendMessage", { text: "hi" }, { threadId: "not-a-thread-of-this-device" });
    expect(await world.host.finished(noThread)).toMatchObject({ status: "failed", error: { code: "THREAD_NOT_FOUND" } });
  }, 30_000);
});
