/**
 * Batch jobs (`bridge --prompt/--jobs`) when codex asks for approval and no
 * browser can answer: `--unattended decline` (the default, as before serve
 * mode) declines at once; `--unattended accept-for-session` accepts for the
 * session. Real codex binary, scripted model, the bridge library.
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ServerRequestBroker } from "../../src/bridge/codex/serverRequestBroker.js";
import { Bridge } from "../../src/bridge/jobs/bridge.js";
import { Outbox } from "../../src/bridge/outbox/outbox.js";
import { promptResponder } from "../chaos/scenario.js";
import { CODEX_BINARY_PATH, makeCodexHome, type CodexHome } from "../stand-ins/codex-home.js";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { MemoryTransport } from "../support/serveWorld.js";

const PROMPT = "run a command that needs approval";

let model: ScriptedModel;
let home: CodexHome;
let dir: string;

beforeAll(async () => {
  model = await startScriptedModel({
    script: [],
    respond: promptResponder({ [PROMPT]: [[{ type: "shell", command: "echo unattended-ran", escalate: true }], [{ type: "message", text: "Finished.", chunks: 1 }]] }),
  });
  home = await makeCodexHome({ modelUrl: model.url, approvalPolicy: "on-request", sandboxMode: "read-only" });
  dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-unattended-"));
  await mkdir(path.join(dir, "home"));
}, 30_000);

afterAll(async () => {
  await model?.close();
  await home?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function runJob(policy: "decline" | "accept-for-session"): Promise<{ status: string | undefined; answers: unknown[]; output: string }> {
  const transport = new MemoryTransport();
  const outbox = Outbox.open(path.join(dir, `${policy}.sqlite`));
  const broker = new ServerRequestBroker({ waitMs: 0, unattended: policy });
  try {
    const summary = await new Bridge({
      outbox,
      transport,
      binaryPath: CODEX_BINARY_PATH,
      codexEnv: { ...home.env, HOME: path.join(dir, "home") },
      jobs: [{ id: `job-${policy}`, prompts: [PROMPT], cwd: dir }],
      supervision: { onServerRequest: broker.hold },
    }).run();
    const lines = transport.all();
    const requestIds = new Set(lines.filter((m) => m.method === "item/commandExecution/requestApproval").map((m) => m.id));
    // The bridge's replies (codex's answer to our `initialize` may share the JSON-RPC id, so look at the shape).
    const answers = lines.filter((m) => m.method === undefined && requestIds.has(m.id) && typeof (m.result as { decision?: unknown })?.decision === "string").map((m) => m.result);
    const item = lines.find((m) => m.method === "item/completed" && (m.params as { item: { type: string } }).item.type === "commandExecution");
    return { status: summary.jobs[0]?.turns[0]?.status, answers, output: JSON.stringify(item?.params ?? {}) };
  } finally {
    outbox.close();
  }
}

describe("server requests of batch jobs, nobody to answer", () => {
  test("--unattended decline (default) declines at once; the command does not run", async () => {
    const result = await runJob("decline");
    expect(result.status).toBe("completed");
    expect(result.answers).toEqual([{ decision: "decline" }]);
    expect(result.output).toContain('"status":"declined"');
  }, 90_000);

  test("--unattended accept-for-session accepts; the command runs", async () => {
    const result = await runJob("accept-for-session");
    expect(result.status).toBe("completed");
    expect(result.answers).toHaveLength(1);
    expect(["accept", "acceptForSession"]).toContain((result.answers[0] as { decision: string }).decision);
    expect(result.output).toContain("unattended-ran");
  }, 90_000);
});
