/**
 * kill -9 of a serving bridge (a child process) with the real codex binary:
 * - with a command claimed but not yet sent to codex → on restart it is
 *   reported failed (`BRIDGE_RESTARTED`), and never run;
 * - with a turn running → on restart the turn is recorded failed, not run again;
 * - with an approval pending → on restart it is recorded expired
 *   (`bridge/serverRequestExpired`), and an answer finds it gone.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { promptResponder } from "../chaos/scenario.js";
import { makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { FakeCommandHost } from "../stand-ins/fakeCommandHost.js";
import { ackingHandlers, pushedLines, startFakeDeviceHost, type FakeDeviceHost } from "../stand-ins/fakeDeviceHost.js";
import { serveCommandHost } from "../stand-ins/httpCommandSource.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { REPO_ROOT } from "../support/cli.js";

const CHILD = path.join(REPO_ROOT, "test/support/serveChild.ts");

const SCRIPTS = {
  "never runs": [[{ type: "message" as const, text: "You should not see this.", chunks: 1 }]],
  "stream for a while": [{ outputs: [{ type: "message" as const, text: "A long answer. ".repeat(40), chunks: 80 }], eventDelayMs: 100 }],
  "ask for approval": [[{ type: "shell" as const, command: "echo should-not-run", escalate: true }], [{ type: "message" as const, text: "Done.", chunks: 1 }]],
};

let model: ScriptedModel;
let home: CodexHome;
let pushes: FakeDeviceHost;
let host: FakeCommandHost;
let commands: { url: string; close(): Promise<void> };
let dir: string;
let env: NodeJS.ProcessEnv;
let child: ChildProcess | null = null;

function startChild(): Promise<ChildProcess> {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD], { env, cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"] });
  child = proc;
  return new Promise((resolve, reject) => {
    let stderr = "";
    proc.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("[child] serving")) resolve(proc);
    });
    proc.once("exit", (code) => reject(new Error(`child exited (${code}) before serving: ${stderr}`)));
  });
}

function kill9(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGKILL");
  });
}

function modelCallsFor(prompt: string): number {
  return model.responseRequests().filter((body) => JSON.stringify(body.input ?? "").includes(prompt)).length;
}

beforeAll(async () => {
  model = await startScriptedModel({ script: [], respond: promptResponder(SCRIPTS) });
  home = await makeCodexHome({ modelUrl: model.url, approvalPolicy: "on-request", sandboxMode: "read-only" });
  pushes = await startFakeDeviceHost(ackingHandlers());
  host = new FakeCommandHost();
  commands = await serveCommandHost(host);
  dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-serve-kill-"));
  await mkdir(path.join(dir, "workspace"));
  await mkdir(path.join(dir, "home"));
  env = {
    ...home.env,
    HOME: path.join(dir, "home"),
    OUTBOX: path.join(dir, "outbox.sqlite"),
    PUSH_URL: pushes.url,
    COMMANDS_URL: commands.url,
    WORKSPACE: path.join(dir, "workspace"),
  };
}, 60_000);

afterAll(async () => {
  if (child) await kill9(child);
  await commands?.close();
  await pushes?.close();
  await model?.close();
  await home?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 30_000);

describe("kill -9 of a serving bridge", () => {
  test("a claimed command not yet sent is failed BRIDGE_RESTARTED on restart, and never run", async () => {
    let proc = await startChild();
    let killed: Promise<void> | null = null;
    host.onClaim = () => {
      killed = kill9(proc); // dies while the claim is answered: claimed on the host, nothing sent to codex
      host.onClaim = null;
    };
    const id = host.queue("startThread", { workspaceId: "ws_0", prompt: "never runs" });
    await host.waitFor(() => killed !== null, 30_000, "the claim");
    await killed;
    expect(host.commands.get(id)?.status).toBe("claimed");
    proc = await startChild();
    const command = await host.finished(id, 30_000);
    expect(command).toMatchObject({ status: "failed", error: { code: "BRIDGE_RESTARTED" } });
    expect(host.claims.filter((c) => c === id)).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(modelCallsFor("never runs")).toBe(0);
    expect(pushedLines(pushes).some((m) => m.method === "turn/start")).toBe(false);
    await kill9(proc);
  }, 90_000);

  test("a turn running at the kill is recorded failed on restart and not run again", async () => {
    let proc = await startChild();
    const id = host.queue("startThread", { workspaceId: "ws_0", prompt: "stream for a while" });
    const started = await host.finished(id, 60_000);
    expect(started.status).toBe("done");
    const turnId = started.result!.turnId!;
    await host.waitFor(() => pushedLines(pushes).filter((m) => m.method === "item/agentMessage/delta").length >= 3, 60_000, "deltas pushed");
    await kill9(proc);
    const calls = modelCallsFor("stream for a while");
    proc = await startChild();
    await host.waitFor(() => pushedLines(pushes).some((m) => m.method === "bridge/turnFailed" && (m.params as { turnId: string }).turnId === turnId), 30_000, "the turn recorded failed");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(modelCallsFor("stream for a while")).toBe(calls);
    expect(host.commands.get(id)?.status).toBe("done");
    await kill9(proc);
  }, 120_000);

  test("an approval pending at the kill is recorded expired on restart; an answer finds it gone; the command never runs", async () => {
    let proc = await startChild();
    const id = host.queue("startThread", { workspaceId: "ws_0", prompt: "ask for approval" });
    const started = await host.finished(id, 60_000);
    const threadId = started.result!.threadId!;
    const isRequest = (m: Record<string, unknown>) => m.method === "item/commandExecution/requestApproval" && (m.params as { threadId: string }).threadId === threadId;
    await host.waitFor(() => pushedLines(pushes).some(isRequest), 60_000, "the approval request pushed");
    const request = pushedLines(pushes).find(isRequest)!;
    await kill9(proc);
    proc = await startChild();
    await host.waitFor(() => pushedLines(pushes).some((m) => m.method === "bridge/serverRequestExpired" && (m.params as { threadId: string }).threadId === threadId), 30_000, "the expired record");
    const expired = pushedLines(pushes).find((m) => m.method === "bridge/serverRequestExpired" && (m.params as { threadId: string }).threadId === threadId);
    expect(expired?.params).toMatchObject({ requestId: request.id, method: "item/commandExecution/requestApproval", reason: expect.stringMatching(/ended/) });
    const answer = host.queue("answerServerRequest", { jsonRpcId: request.id, method: "item/commandExecution/requestApproval", response: { decision: "accept" } }, { threadId });
    expect(await host.finished(answer, 30_000)).toMatchObject({ status: "failed", error: { code: "REQUEST_EXPIRED" } });
    expect(JSON.stringify(pushedLines(pushes))).not.toContain("should-not-run\\n");
    await kill9(proc);
  }, 120_000);
});
