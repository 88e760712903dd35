/**
 * Issue 9 end to end through the real chain (see test/support/realChain.ts):
 * the browser pairs the CLI, the CLI serves, and the browser steers codex —
 * start, approvals, steer, interrupt, idempotency — through the WebSocket
 * sync stand-in, the example host app and the component.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { promptResponder } from "../chaos/scenario.js";
import { addFilePatch } from "../stand-ins/model-server.js";
import { runInCodex } from "../stand-ins/convexApp.js";
import { runCli } from "../support/cli.js";
import { browserClient, host, startRealChain, until, type RealChain, type ServeProcess } from "../support/realChain.js";

const LONG_TEXT = "This answer streams slowly, word by word, so that the browser can steer it and then interrupt it midway. ".repeat(3);
const SCRIPTS = {
  "run a command": [[{ type: "shell" as const, command: "echo approved-output-42", escalate: true }], [{ type: "message" as const, text: "Ran it.", chunks: 1 }]],
  "try a command": [[{ type: "shell" as const, command: "echo declined-output-43", escalate: true }], [{ type: "message" as const, text: "Skipped it.", chunks: 1 }]],
  "write a file": [[{ type: "patch" as const, patch: addFilePatch("from-browser.txt", "approved patch") }], [{ type: "message" as const, text: "Wrote it.", chunks: 1 }]],
  "stream slowly": [{ outputs: [{ type: "message" as const, text: LONG_TEXT, chunks: 60 }], eventDelayMs: 80 }],
  "steer me": [{ outputs: [{ type: "message" as const, text: LONG_TEXT, chunks: 200 }], eventDelayMs: 100 }],
  "stream for long": [{ outputs: [{ type: "message" as const, text: LONG_TEXT, chunks: 200 }], eventDelayMs: 100 }],
  "also mention steering": [[{ type: "message" as const, text: "Steered.", chunks: 1 }]],
  "say hi once": [[{ type: "message" as const, text: "Hi, once.", chunks: 1 }]],
};

function modelCallsFor(prompt: string): number {
  return chain.model.responseRequests().filter((body) => JSON.stringify(body.input ?? "").includes(prompt)).length;
}

type Command = { commandId: string; status: string; result?: { threadId?: string; turnId?: string }; error?: { code: string } };
type Request = { _id: string; requestId: string; method: string; status: string; availableDecisions?: unknown[]; params?: unknown };
type Turn = { turnId: string; status: string };

let chain: RealChain;
let serving: ServeProcess;
let deviceId: string;
let workspaceId: string;
let secret: string;

async function commandDone(idempotencyKey: string): Promise<Command> {
  return until(`command ${idempotencyKey} finished`, async () => {
    const command = (await chain.browser.query(host.getCommand, { idempotencyKey })) as Command | null;
    return command && ["done", "failed", "expired"].includes(command.status) ? command : undefined;
  }, 90_000);
}

async function pendingRequest(threadId: string): Promise<Request> {
  return until(`a pending server request on ${threadId}`, async () => {
    const requests = (await chain.browser.query(host.listServerRequests, { threadId, status: "pending" })) as Request[];
    return requests[0];
  }, 90_000);
}

async function turnsOf(threadId: string): Promise<Turn[]> {
  return (await chain.browser.query(host.listTurns, { threadId })) as Turn[];
}

async function finishedTurn(threadId: string): Promise<Turn> {
  return until(`a finished turn on ${threadId}`, async () => (await turnsOf(threadId)).find((t) => t.status !== "inProgress"), 90_000);
}

async function startThread(idempotencyKey: string, prompt: string): Promise<string> {
  await chain.browser.mutation(host.startThread, { idempotencyKey, deviceId, workspaceId, prompt });
  const started = await commandDone(idempotencyKey);
  expect(started.status, JSON.stringify(started)).toBe("done");
  return started.result!.threadId!;
}

/** Waits until the thread has a live text stream (deltas arriving), i.e. the turn is mid-stream. */
async function liveStream(threadId: string): Promise<void> {
  await until("a live text stream", async () => {
    const page = (await chain.browser.query(host.listMessages, { threadId, paginationOpts: { numItems: 10, cursor: null }, streamArgs: { kind: "list" } })) as { streams?: unknown };
    return JSON.stringify(page.streams ?? {}).includes("streamId") ? true : undefined;
  }, 90_000);
}

async function messagesText(threadId: string): Promise<string> {
  const page = (await chain.browser.query(host.listMessages, { threadId, paginationOpts: { numItems: 100, cursor: null } })) as { page: unknown[] };
  return JSON.stringify(page.page);
}

beforeAll(async () => {
  chain = await startRealChain({ model: { script: [], respond: promptResponder(SCRIPTS) } });
}, 60_000);
afterAll(async () => {
  await chain?.close();
}, 60_000);

describe("pair → serve → steer, through the real CLI and the WebSocket stand-in", () => {
  test("pair: the browser's code is redeemed by the CLI; the secret is 0600 and in no Convex table", async () => {
    const paired = await chain.pair();
    expect(paired.code, paired.stderr).toBe(0);
    deviceId = paired.deviceId;
    const file = path.join(chain.dir, "config", "codex-convex", "devices.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    secret = (JSON.parse(readFileSync(file, "utf8")) as { devices: Record<string, { deviceSecret: string }> }).devices[chain.standIn.url]!.deviceSecret;
    expect(secret.length).toBeGreaterThan(20);
    expect(paired.stdout + paired.stderr).not.toContain(secret);
    const devices = (await chain.browser.query(host.listDevices, {})) as Array<{ deviceId: string }>;
    expect(devices.map((d) => d.deviceId)).toEqual([deviceId]);
    const dump = await runInCodex(chain.app, async (ctx) => {
      const tables = ["devices", "pairingCodes", "commands", "sessions"];
      const rows: unknown[] = [];
      for (const table of tables) rows.push(...(await ctx.db.query(table as never).collect()));
      return JSON.stringify(rows);
    });
    expect(dump).not.toContain(secret);
  }, 90_000);

  test("serve: the device declares its workspace and shows online", async () => {
    serving = await chain.serve();
    const device = await until("the device online with its workspace", async () => {
      const devices = (await chain.browser.query(host.listDevices, {})) as Array<{ deviceId: string; online: boolean; workspaces: Array<{ workspaceId: string; path: string }> }>;
      const found = devices.find((d) => d.deviceId === deviceId);
      return found?.online && found.workspaces.length > 0 ? found : undefined;
    });
    expect(device.workspaces.map((w) => w.path)).toEqual([chain.workspace]);
    workspaceId = device.workspaces[0]!.workspaceId;
  }, 120_000);

  test("startThread → command approval pending with its decisions → accept → the command runs, its output streams, the turn completes", async () => {
    await chain.browser.mutation(host.startThread, { idempotencyKey: "start-accept", deviceId, workspaceId, prompt: "run a command" });
    const started = await commandDone("start-accept");
    expect(started.status, JSON.stringify(started)).toBe("done");
    const threadId = started.result!.threadId!;
    const request = await pendingRequest(threadId);
    expect(request.method).toBe("item/commandExecution/requestApproval");
    expect(JSON.stringify(request)).toContain("accept");
    await chain.browser.mutation(host.answerServerRequest, { idempotencyKey: "answer-accept", threadId, requestId: request._id, response: { decision: "accept" } });
    expect((await commandDone("answer-accept")).status).toBe("done");
    const turn = await finishedTurn(threadId);
    expect(turn.status).toBe("completed");
    const text = await until("the command's output and the final message", async () => {
      const t = await messagesText(threadId);
      return t.includes("approved-output-42") && t.includes("Ran it.") ? t : undefined;
    });
    expect(text).toContain("approved-output-42");
  }, 180_000);
});

describe("more of issue 9 through the real chain", () => {
  test("refusing a command approval (codex offers cancel, not decline): it never runs; another user can neither see, answer nor command", async () => {
    const threadId = await startThread("start-decline", "try a command");
    const request = await pendingRequest(threadId);
    // For an escalation codex offers accept, accept-with-amendment and cancel; the component takes only offered decisions.
    expect(request.availableDecisions).toContain("cancel");

    const bob = browserClient(chain.standIn.url, "bob");
    try {
      const bobThreads = (await bob.query(host.listThreads, { paginationOpts: { numItems: 50, cursor: null } })) as { page: Array<{ threadId: string }> };
      expect(bobThreads.page).toEqual([]);
      expect(await bob.query(host.listDevices, {})).toEqual([]);
      await expect(bob.query(host.listServerRequests, { threadId })).rejects.toThrow(/THREAD_NOT_FOUND/);
      await expect(bob.query(host.listMessages, { threadId, paginationOpts: { numItems: 10, cursor: null } })).rejects.toThrow(/THREAD_NOT_FOUND/);
      await expect(bob.mutation(host.answerServerRequest, { idempotencyKey: "bob-answer", threadId, requestId: request._id, response: { decision: "accept" } })).rejects.toThrow(/THREAD_NOT_FOUND/);
      await expect(bob.mutation(host.sendMessage, { idempotencyKey: "bob-send", threadId, text: "run rm -rf" })).rejects.toThrow(/THREAD_NOT_FOUND/);
      await expect(bob.mutation(host.startThread, { idempotencyKey: "bob-start", deviceId, workspaceId, prompt: "run a command" })).rejects.toThrow(/DEVICE_NOT_FOUND|NOT_FOUND/);
      await expect(bob.mutation(host.revokeDevice, { deviceId })).rejects.toThrow(/NOT_FOUND/);
      expect(await bob.query(host.getCommand, { idempotencyKey: "start-decline" })).toBeNull();
    } finally {
      await bob.close();
    }
    // Bob's answer did not count: the request is still Alice's to answer.
    expect((await pendingRequest(threadId))._id).toBe(request._id);

    if (!(request.availableDecisions ?? []).includes("decline")) {
      await expect(chain.browser.mutation(host.answerServerRequest, { idempotencyKey: "answer-decline", threadId, requestId: request._id, response: { decision: "decline" } })).rejects.toThrow(/not offered/);
    }
    await chain.browser.mutation(host.answerServerRequest, { idempotencyKey: "answer-cancel", threadId, requestId: request._id, response: { decision: "cancel" } });
    expect((await commandDone("answer-cancel")).status).toBe("done");
    const turn = await finishedTurn(threadId);
    expect(["completed", "interrupted"]).toContain(turn.status);
    const requests = (await chain.browser.query(host.listServerRequests, { threadId, status: "pending" })) as Request[];
    expect(requests).toEqual([]);
    const text = await messagesText(threadId);
    expect(text).toContain("echo declined-output-43");
    expect(text).not.toMatch(/declined-output-43\\\\n/);
    expect(modelCallsFor("try a command")).toBe(1);
  }, 180_000);

  test("a file-change approval, accepted, writes the file in the workspace", async () => {
    const threadId = await startThread("start-patch", "write a file");
    const request = await pendingRequest(threadId);
    expect(request.method).toBe("item/fileChange/requestApproval");
    await chain.browser.mutation(host.answerServerRequest, { idempotencyKey: "answer-patch", threadId, requestId: request._id, response: { decision: "accept" } });
    expect((await finishedTurn(threadId)).status).toBe("completed");
    expect(readFileSync(path.join(chain.workspace, "from-browser.txt"), "utf8")).toContain("approved patch");
  }, 180_000);

  test("sendMessage while a turn runs steers that turn (turn/steer); the turn then completes", async () => {
    const threadId = await startThread("start-steer", "steer me");
    const running = await until("the turn running", async () => (await turnsOf(threadId)).find((t) => t.status === "inProgress"), 90_000);
    await liveStream(threadId);
    await chain.browser.mutation(host.sendMessage, { idempotencyKey: "steer-1", threadId, text: "also mention steering" });
    const steer = await commandDone("steer-1");
    expect(steer.status, JSON.stringify(steer)).toBe("done");
    expect(steer.result?.turnId).toBe(running.turnId);
    const turn = await until("the steered turn finished", async () => (await turnsOf(threadId)).find((t) => t.turnId === running.turnId && t.status !== "inProgress"), 120_000);
    expect(turn.status).toBe("completed");
    expect((await turnsOf(threadId)).length).toBe(1);
    expect(modelCallsFor("also mention steering")).toBeGreaterThanOrEqual(1);
  }, 180_000);

  test("interruptTurn mid-stream ends the turn interrupted with the streamed text kept", async () => {
    const threadId = await startThread("start-interrupt", "stream for long");
    const running = await until("the turn running", async () => (await turnsOf(threadId)).find((t) => t.status === "inProgress"), 90_000);
    await liveStream(threadId);
    await chain.browser.mutation(host.interruptTurn, { idempotencyKey: "interrupt-1", threadId });
    const interrupt = await commandDone("interrupt-1");
    expect(interrupt.status, JSON.stringify(interrupt)).toBe("done");
    const turn = await until("the turn interrupted", async () => (await turnsOf(threadId)).find((t) => t.turnId === running.turnId && t.status !== "inProgress"), 90_000);
    expect(turn.status).toBe("interrupted");
    const page = (await chain.browser.query(host.listMessages, { threadId, paginationOpts: { numItems: 10, cursor: null } })) as { page: Array<{ kind: string; status: string; text?: string }> };
    const answer = page.page.find((m) => m.kind === "agentMessage");
    expect(answer?.status).toBe("interrupted");
    expect(answer?.text?.length).toBeGreaterThan(0);
    expect(LONG_TEXT.startsWith(answer!.text!)).toBe(true);
    expect(answer!.text!.length).toBeLessThan(LONG_TEXT.length);
  }, 180_000);

  test("one idempotency key sent twice runs once", async () => {
    const threadId = await startThread("start-idem", "say hi once");
    await finishedTurn(threadId);
    const before = modelCallsFor("stream slowly");
    const first = (await chain.browser.mutation(host.sendMessage, { idempotencyKey: "send-twice", threadId, text: "stream slowly" })) as Command;
    const second = (await chain.browser.mutation(host.sendMessage, { idempotencyKey: "send-twice", threadId, text: "stream slowly" })) as Command;
    expect(second.commandId).toBe(first.commandId);
    expect((await commandDone("send-twice")).status).toBe("done");
    await until("the second turn finished", async () => {
      const turns = await turnsOf(threadId);
      return turns.length >= 2 && turns.every((t) => t.status !== "inProgress") ? turns : undefined;
    }, 120_000);
    expect((await turnsOf(threadId)).length).toBe(2);
    expect(modelCallsFor("stream slowly")).toBe(before + 1);
  }, 180_000);

  test("the secret never reached codex's environment nor any Convex table", async () => {
    expect(readFileSync(chain.codexEnvDump, "utf8")).toContain("CODEX_HOME");
    expect(readFileSync(chain.codexEnvDump, "utf8")).not.toContain(secret);
    const dump = await runInCodex(chain.app, async (ctx) => {
      const rows: unknown[] = [];
      for (const table of ["devices", "pairingCodes", "commands", "sessions", "threads", "turns", "messages", "serverRequests", "events"]) {
        rows.push(...(await ctx.db.query(table as never).collect()));
      }
      return JSON.stringify(rows);
    });
    expect(dump.length).toBeGreaterThan(1000);
    expect(dump).not.toContain(secret);
  }, 60_000);

  test("a revoked device is refused: the bridge exits 3 and its outbox keeps every line", async () => {
    await chain.browser.mutation(host.revokeDevice, { deviceId });
    const timer = setTimeout(() => serving.proc.kill("SIGKILL"), 90_000);
    const code = await serving.exited;
    clearTimeout(timer);
    expect(code, serving.stderr()).toBe(3);
    expect(serving.stderr()).toMatch(/DEVICE_REVOKED|revoked/);
    // The outbox is left as it was: `status` reads every session (exit 1 = some session's last push was refused).
    const status = await runCli(["status", "--outbox", chain.outboxPath, "--json"], chain.env, 60_000);
    expect([0, 1], status.stderr).toContain(status.code);
    const parsed = JSON.parse(status.stdout) as { sessions: Array<{ pendingEvents: number }>; totals: { sessions: number } };
    expect(parsed.totals.sessions).toBeGreaterThanOrEqual(6);
    await expect(chain.browser.mutation(host.startThread, { idempotencyKey: "after-revoke", deviceId, workspaceId, prompt: "say hi once" })).rejects.toThrow(/DEVICE_REVOKED/);
  }, 120_000);
});

describe("pairing codes through the stand-in", () => {
  test("guessing is cut off by the rate limit: no guess succeeds and the limit answers RATE_LIMITED", async () => {
    await chain.browser.mutation(host.createPairingCode, {});
    const attacker = browserClient(chain.standIn.url, "mallory");
    const outcomes: string[] = [];
    try {
      for (let i = 0; i < 45; i++) {
        const guess = `${String(i).padStart(4, "0")}-ZZZZ`;
        try {
          await attacker.action(host.redeemPairingCode, { code: guess });
          outcomes.push("PAIRED");
        } catch (error) {
          outcomes.push(/RATE_LIMITED/.test(String(error)) ? "RATE_LIMITED" : /PAIRING_CODE_INVALID/.test(String(error)) ? "INVALID" : String(error));
        }
      }
    } finally {
      await attacker.close();
    }
    expect(outcomes).not.toContain("PAIRED");
    expect(outcomes.every((o) => o === "INVALID" || o === "RATE_LIMITED"), outcomes.join(",")).toBe(true);
    expect(outcomes).toContain("RATE_LIMITED");
    expect(outcomes.filter((o) => o === "INVALID").length).toBeLessThanOrEqual(45);
  }, 120_000);
});
