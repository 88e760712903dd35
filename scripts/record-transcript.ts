/**
 * Records one real `codex app-server` turn, driven against the scripted model,
 * as a JSONL transcript: one `{"dir":"in"|"out","line":"..."}` object per
 * stdio line, where "in" is a line codex printed and "out" one we sent, each
 * kept exactly as it crossed the pipe.
 *
 * Usage: `npx tsx scripts/record-transcript.ts OUT.jsonl [text|tools|interrupt|approval]`
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CODEX_BINARY_PATH, makeCodexHome, type CodexHomeOptions } from "../test/stand-ins/codex-home.js";
import { addFilePatch, startScriptedModel, type ScriptedResponse } from "../test/stand-ins/model-server.js";

/** Longest a recording may take before it is abandoned (ms). */
const RECORDING_TIMEOUT_MS = 60_000;
/** Grace period for codex to exit after its stdin closes (ms). */
const EXIT_GRACE_MS = 3_000;

type Scenario = {
  prompt: string;
  script: ScriptedResponse[];
  eventDelayMs?: number;
  home?: Partial<CodexHomeOptions>;
  /** Send `turn/interrupt` once this many agent message deltas have arrived. */
  interruptAfterDeltas?: number;
};

const SCENARIOS: Record<string, Scenario> = {
  text: {
    prompt: "Say hello in a few words.",
    script: [[{ type: "message", text: "Hello from the scripted model, streamed in eight pieces.", chunks: 8 }]],
  },
  tools: {
    prompt: "Look around, then write notes.txt.",
    script: [
      [
        { type: "reasoning", summary: ["**Looking around**\n\nI will list the directory first."], content: ["Raw reasoning text."] },
        { type: "message", text: "Listing the directory.", chunks: 2 },
        { type: "shell", command: "sleep 0.2 && echo hello-from-shell && sleep 0.2 && ls -a" },
      ],
      [
        { type: "reasoning", summary: ["**Writing notes**"] },
        { type: "patch", patch: addFilePatch("notes.txt", "first line\nsecond line") },
      ],
      [{ type: "message", text: "I ran a command and wrote notes.txt.", chunks: 4 }],
    ],
  },
  interrupt: {
    prompt: "Write a long answer slowly.",
    eventDelayMs: 150,
    interruptAfterDeltas: 3,
    script: [[{ type: "message", text: "This answer is streamed slowly so that it can be interrupted midway.", chunks: 20 }]],
  },
  approval: {
    prompt: "Run a command that needs approval, then write a file.",
    home: { approvalPolicy: "on-request", sandboxMode: "read-only" },
    script: [
      [{ type: "shell", command: "touch approved.txt && echo approved", escalate: true }],
      [{ type: "patch", patch: addFilePatch("approved-patch.txt", "patched") }],
      [{ type: "message", text: "Both were approved.", chunks: 2 }],
    ],
  },
};

/**
 * Runs one scenario and writes its transcript.
 *
 * @param outPath where to write the JSONL transcript.
 * @param scenarioName a key of `SCENARIOS`.
 * @throws on an unknown scenario, a JSON-RPC error reply, codex exiting early,
 *   or a recording longer than {@link RECORDING_TIMEOUT_MS}.
 */
async function record(outPath: string, scenarioName: string): Promise<void> {
  const scenario = SCENARIOS[scenarioName];
  if (!scenario) throw new Error(`unknown scenario ${scenarioName}; one of ${Object.keys(SCENARIOS).join(", ")}`);
  const model = await startScriptedModel({ script: scenario.script, eventDelayMs: scenario.eventDelayMs });
  const home = await makeCodexHome({ modelUrl: model.url, ...scenario.home });
  const cwd = await mkdtemp(join(tmpdir(), "codex-convex-cwd-"));
  const transcript: string[] = [];
  const child = spawn(CODEX_BINARY_PATH, ["app-server"], { env: home.env, cwd, stdio: ["pipe", "pipe", "pipe"] });
  child.stderr.on("data", (chunk: Buffer) => process.stderr.write(`[codex stderr] ${chunk.toString("utf8")}`));
  const startedAt = Date.now();

  const send = (message: Record<string, unknown>) => {
    const line = JSON.stringify(message);
    transcript.push(JSON.stringify({ dir: "out", line }));
    child.stdin.write(`${line}\n`);
  };
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const request = (method: string, params: unknown): Promise<Record<string, unknown>> => {
    const id = nextId++;
    send({ id, method, params });
    return new Promise((resolve, reject) => pending.set(id, { resolve: resolve as (v: unknown) => void, reject }));
  };

  let threadId = "";
  let turnId = "";
  let deltas = 0;
  let interrupted = false;
  const turnDone = new Promise<Record<string, unknown>>((resolveTurn, rejectTurn) => {
    const timer = setTimeout(() => rejectTurn(new Error(`no turn/completed within ${RECORDING_TIMEOUT_MS} ms`)), RECORDING_TIMEOUT_MS);
    child.on("exit", (code) => {
      const error = new Error(`codex exited early with ${code}`);
      for (const waiter of pending.values()) waiter.reject(error);
      rejectTurn(error);
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      transcript.push(JSON.stringify({ dir: "in", line }));
      const message = JSON.parse(line) as Record<string, unknown>;
      const method = typeof message.method === "string" ? message.method : undefined;
      if (method !== undefined && "id" in message) {
        send({ id: message.id, result: approvalAnswer(method) });
      } else if (method === undefined && typeof message.id === "number") {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(`JSON-RPC error: ${JSON.stringify(message.error)}`));
        else waiter?.resolve(message.result);
      } else if (method === "item/agentMessage/delta") {
        deltas += 1;
        if (scenario.interruptAfterDeltas !== undefined && deltas >= scenario.interruptAfterDeltas && !interrupted) {
          interrupted = true;
          void request("turn/interrupt", { threadId, turnId });
        }
      } else if (method === "turn/completed") {
        clearTimeout(timer);
        resolveTurn(message);
      }
    });
  });

  turnDone.catch(() => undefined); // awaited below; this only avoids an early unhandled rejection
  try {
    await request("initialize", {
      clientInfo: { name: "codex_convex_recorder", title: "codex-convex transcript recorder", version: "0.1.0" },
      capabilities: { experimentalApi: false, requestAttestation: false },
    });
    send({ method: "initialized" });
    const started = await request("thread/start", { cwd });
    threadId = String((started.thread as { id: string }).id);
    const turn = await request("turn/start", {
      threadId,
      input: [{ type: "text", text: scenario.prompt, text_elements: [] }],
    });
    turnId = String((turn.turn as { id: string }).id);
    await turnDone;
    const wallMs = Date.now() - startedAt;
    child.stdin.end();
    await exited(child);
    await writeFile(outPath, transcript.join("\n") + "\n", "utf8");
    process.stderr.write(`recorded ${transcript.length} lines in ${wallMs} ms (${model.responseRequests().length} model calls) to ${outPath}\n`);
  } finally {
    child.kill();
    await model.close();
    await home.cleanup();
    await rm(cwd, { recursive: true, force: true });
  }
}

/** What we answer to each server request: accept everything this recorder can be asked. */
function approvalAnswer(method: string): unknown {
  switch (method) {
    case "item/commandExecution/requestApproval":
    case "item/fileChange/requestApproval":
      return { decision: "accept" };
    case "applyPatchApproval":
    case "execCommandApproval":
      return { decision: "approved" };
    default:
      return {};
  }
}

function exited(child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => {
      child.kill();
      resolve();
    }, EXIT_GRACE_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const [outPath, scenarioName = "text"] = process.argv.slice(2);
if (!outPath) {
  process.stderr.write(`usage: tsx scripts/record-transcript.ts OUT.jsonl [${Object.keys(SCENARIOS).join("|")}]\n`);
  process.exit(2);
}
record(outPath, scenarioName).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
