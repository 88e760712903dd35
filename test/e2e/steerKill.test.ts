/**
 * kill -9 of a real `codex-convex bridge --serve` (child process) through the
 * real chain (sync stand-in, example host, component, real codex): on restart
 * nothing is run twice — a claimed command never sent to codex fails
 * BRIDGE_RESTARTED, a running turn is recorded failed, a pending approval is
 * recorded `expired` and the browser's answer is refused.
 */
import { type ChildProcess } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { promptResponder } from "../chaos/scenario.js";
import { host, startRealChain, until, type RealChain, type ServeProcess } from "../support/realChain.js";

const SCRIPTS = {
  "never runs": [[{ type: "message" as const, text: "You should not see this.", chunks: 1 }]],
  "stream for a while": [{ outputs: [{ type: "message" as const, text: "A long answer. ".repeat(40), chunks: 200 }], eventDelayMs: 100 }],
  "ask for approval": [[{ type: "shell" as const, command: "echo should-not-run", escalate: true }], [{ type: "message" as const, text: "Done.", chunks: 1 }]],
};

type Command = { commandId: string; status: string; result?: { threadId?: string; turnId?: string }; error?: { code: string } };

let chain: RealChain;
let deviceId: string;
let workspaceId: string;

function kill9(proc: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill("SIGKILL");
  });
}

function modelCallsFor(prompt: string): number {
  return chain.model.responseRequests().filter((body) => JSON.stringify(body.input ?? "").includes(prompt)).length;
}

async function command(idempotencyKey: string, matches: (c: Command) => boolean, what: string): Promise<Command> {
  return until(what, async () => {
    const found = (await chain.browser.query(host.getCommand, { idempotencyKey })) as Command | null;
    return found && matches(found) ? found : undefined;
  }, 90_000);
}

const finished = (c: Command) => ["done", "failed", "expired"].includes(c.status);

async function serveFresh(previous: ServeProcess | null): Promise<ServeProcess> {
  if (previous) await kill9(previous.proc);
  return chain.serve();
}

beforeAll(async () => {
  chain = await startRealChain({ model: { script: [], respond: promptResponder(SCRIPTS) } });
  const paired = await chain.pair();
  if (paired.code !== 0) throw new Error(`pair failed: ${paired.stderr}`);
  deviceId = paired.deviceId;
  const first = await chain.serve();
  const devices = await until("the device's workspace", async () => {
    const list = (await chain.browser.query(host.listDevices, {})) as Array<{ workspaces: Array<{ workspaceId: string }> }>;
    return list[0]?.workspaces[0] ? list : undefined;
  });
  workspaceId = devices[0]!.workspaces[0]!.workspaceId;
  await kill9(first.proc);
}, 120_000);
afterAll(async () => {
  await chain?.close();
}, 60_000);

describe("kill -9 of bridge --serve, through the real chain", () => {
  test("a command claimed but not yet sent to codex fails BRIDGE_RESTARTED on restart and never runs", async () => {
    await writeFile(chain.holdCodexFile, "");
    const serving = await serveFresh(null);
    await chain.browser.mutation(host.startThread, { idempotencyKey: "kill-claimed", deviceId, workspaceId, prompt: "never runs" });
    await command("kill-claimed", (c) => c.status === "claimed", "the command claimed");
    await kill9(serving.proc);
    await rm(chain.holdCodexFile);
    const restarted = await serveFresh(null);
    const outcome = await command("kill-claimed", finished, "the command finished");
    expect(outcome).toMatchObject({ status: "failed", error: { code: "BRIDGE_RESTARTED" } });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(modelCallsFor("never runs")).toBe(0);
    await kill9(restarted.proc);
  }, 180_000);

  test("a turn running at the kill is recorded failed on restart and not run again", async () => {
    const serving = await serveFresh(null);
    await chain.browser.mutation(host.startThread, { idempotencyKey: "kill-running", deviceId, workspaceId, prompt: "stream for a while" });
    const started = await command("kill-running", finished, "the thread started");
    expect(started.status).toBe("done");
    const { threadId, turnId } = started.result as { threadId: string; turnId: string };
    await until("a live stream", async () => {
      const page = (await chain.browser.query(host.listMessages, { threadId, paginationOpts: { numItems: 10, cursor: null }, streamArgs: { kind: "list" } })) as { streams?: unknown };
      return JSON.stringify(page.streams ?? {}).includes("streamId") ? true : undefined;
    });
    await kill9(serving.proc);
    const calls = modelCallsFor("stream for a while");
    const restarted = await serveFresh(null);
    const turn = await until("the turn recorded failed", async () => {
      const turns = (await chain.browser.query(host.listTurns, { threadId })) as Array<{ turnId: string; status: string }>;
      return turns.find((t) => t.turnId === turnId && t.status !== "inProgress");
    });
    expect(turn.status).toBe("failed");
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(modelCallsFor("stream for a while")).toBe(calls);
    expect((await chain.browser.query(host.getCommand, { idempotencyKey: "kill-running" }))?.status).toBe("done");
    await kill9(restarted.proc);
  }, 180_000);

  test("an approval pending at the kill is expired on restart; the browser's answer is refused; the command never runs", async () => {
    const serving = await serveFresh(null);
    await chain.browser.mutation(host.startThread, { idempotencyKey: "kill-approval", deviceId, workspaceId, prompt: "ask for approval" });
    const started = await command("kill-approval", finished, "the thread started");
    const threadId = started.result!.threadId!;
    const request = await until("the approval pending", async () => (await chain.browser.query(host.listServerRequests, { threadId, status: "pending" }))[0]);
    await kill9(serving.proc);
    const restarted = await serveFresh(null);
    const expired = await until("the approval expired", async () => (await chain.browser.query(host.listServerRequests, { threadId, status: "expired" })).find((r) => r._id === request._id));
    expect(expired.status).toBe("expired");
    await expect(
      chain.browser.mutation(host.answerServerRequest, { idempotencyKey: "answer-expired", threadId, requestId: request._id, response: { decision: "accept" } }),
    ).rejects.toThrow(/REQUEST_CLOSED/);
    const page = await chain.browser.query(host.listMessages, { threadId, paginationOpts: { numItems: 50, cursor: null } });
    expect(JSON.stringify(page.page)).not.toContain("should-not-run\\n");
    // The orphaned codex may tell the model the call was refused; no request ever carries the command's output.
    const toModel = JSON.stringify(chain.model.responseRequests().filter((body) => JSON.stringify(body.input ?? "").includes("ask for approval")));
    expect(toModel).not.toMatch(/"output":"[^"]*should-not-run\\n/);
    await kill9(restarted.proc);
  }, 180_000);
});
