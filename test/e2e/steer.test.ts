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
import { runInCodex } from "../stand-ins/convexApp.js";
import { host, startRealChain, until, type RealChain, type ServeProcess } from "../support/realChain.js";

const SCRIPTS = {
  "run a command": [[{ type: "shell" as const, command: "echo approved-output-42", escalate: true }], [{ type: "message" as const, text: "Ran it.", chunks: 1 }]],
  "try a command": [[{ type: "shell" as const, command: "echo declined-output-43", escalate: true }], [{ type: "message" as const, text: "Skipped it.", chunks: 1 }]],
};

type Command = { commandId: string; status: string; result?: { threadId?: string; turnId?: string }; error?: { code: string } };
type Request = { _id: string; requestId: string; method: string; status: string; availableDecisions?: unknown; params?: unknown };
type Turn = { turnId: string; status: string };

let chain: RealChain;
let serving: ServeProcess;
let deviceId: string;
let workspaceId: string;

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
    const secret = (JSON.parse(readFileSync(file, "utf8")) as { devices: Record<string, { deviceSecret: string }> }).devices[chain.standIn.url]!.deviceSecret;
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
