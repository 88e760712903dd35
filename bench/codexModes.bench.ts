/**
 * What codex itself costs for N threads × 2 turns, in the two ways a bridge
 * could run them (no bridge, no outbox, no Convex: codex alone, driven over
 * JSON-RPC from this process):
 *
 * - per job: N `codex app-server` processes, one thread each (what the bridge does);
 * - shared: ONE `codex app-server`, N threads on its one connection,
 *   notifications told apart by `threadId`.
 *
 * Memory is the peak PSS sum over every codex process tree (`/proc/<pid>/smaps_rollup`),
 * CPU the seconds the trees used (`/proc/<pid>/stat`, this process's reaped
 * children included, minus what they had used before the case). Figures for
 * the README's trade-off between the two modes.
 *
 *   BENCH_SESSIONS=10,50 npx tsx bench/codexModes.bench.ts
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { spawnAppServer, type AppServer } from "../src/bridge/codex/appServer.js";
import { CLIENT_INFO } from "../src/bridge/codex/codexProcess.js";
import { initialize, initialized, threadStart, turnStart } from "../src/bridge/codex/protocol/index.js";
import { CODEX_BINARY_PATH, makeCodexHome } from "../test/stand-ins/codex-home.js";
import { startScriptedModel, type ScriptedResponse } from "../test/stand-ins/model-server.js";
import { sampleTree } from "./procStats.js";
import { sessionCounts } from "./sessionCounts.js";

/** Turns per thread. */
const TURNS_PER_THREAD = 2;
/** Text deltas per answer. */
const DELTAS_PER_ANSWER = 20;
/** Pause between the scripted model's SSE events, in ms. */
const MODEL_EVENT_DELAY_MS = 5;
/** Interval between two samples of memory and CPU, in ms. */
const SAMPLE_MS = 250;
/** Longest a JSON-RPC request may take, in ms. */
const REQUEST_TIMEOUT_MS = 120_000;
/** Longest one turn may take, in ms. */
const TURN_TIMEOUT_MS = 300_000;
const MIB = 1024 * 1024;

type Mode = "per job" | "shared";

type Row = {
  threads: number;
  "codex process": Mode;
  processes: number;
  "turns ok": string;
  "codex PSS MiB": number;
  "MiB/thread": number;
  "codex CPU s": number;
  "CPU s/thread": number;
  "wall s": number;
};

/** A started codex app-server whose notifications go to per-thread listeners. */
type Codex = { server: AppServer; listeners: Map<string, (method: string, params: { turn?: { id: string; status: string } }) => void> };

async function startCodex(env: NodeJS.ProcessEnv, cwd: string): Promise<Codex> {
  const listeners: Codex["listeners"] = new Map();
  const server = await spawnAppServer({
    binaryPath: CODEX_BINARY_PATH,
    cwd,
    env,
    rpc: {
      defaultTimeoutMs: REQUEST_TIMEOUT_MS,
      onNotification: (method, params) => {
        const p = params as { threadId?: string; turn?: { id: string; status: string } };
        if (typeof p?.threadId === "string") listeners.get(p.threadId)?.(method, p);
      },
      onServerRequest: (request) => server.connection.respondError(request.id, { code: -32601, message: "the bench answers no server request" }),
    },
  });
  await server.connection.request(initialize, { clientInfo: CLIENT_INFO, capabilities: null });
  server.connection.notify(initialized, undefined);
  return { server, listeners };
}

/** Runs {@link TURNS_PER_THREAD} turns on a new thread of `codex`. @returns how many completed. */
async function runThread(codex: Codex, cwd: string, label: string): Promise<number> {
  const { thread } = await codex.server.connection.request(threadStart, { cwd });
  let ok = 0;
  for (let turn = 0; turn < TURNS_PER_THREAD; turn++) {
    const done = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label}: turn ${turn + 1} did not complete within ${TURN_TIMEOUT_MS} ms`)), TURN_TIMEOUT_MS);
      codex.listeners.set(thread.id, (method, params) => {
        if (method !== "turn/completed") return;
        clearTimeout(timer);
        resolve(params.turn?.status ?? "unknown");
      });
    });
    await codex.server.connection.request(turnStart, { threadId: thread.id, input: [{ type: "text", text: `${label}, turn ${turn + 1}`, text_elements: [] }] });
    if ((await done) === "completed") ok += 1;
  }
  codex.listeners.delete(thread.id);
  return ok;
}

async function measure(mode: Mode, n: number, modelUrl: string): Promise<Row> {
  const home = await makeCodexHome({ modelUrl });
  const dir = await mkdtemp(path.join(os.tmpdir(), "codex-modes-bench-"));
  const userHome = path.join(dir, "home");
  await mkdir(userHome);
  const env = { ...home.env, HOME: userHome };
  const before = sampleTree(process.pid);
  const started = performance.now();
  let peakPss = 0;
  let cpuS = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const sample = sampleTree(process.pid);
      if (sample) {
        peakPss = Math.max(peakPss, sample.childrenPssBytes);
        cpuS = Math.max(cpuS, sample.childrenCpuS - (before?.childrenCpuS ?? 0));
      }
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
  })();
  const codexes: Codex[] = [];
  try {
    let ok = 0;
    if (mode === "shared") {
      const codex = await startCodex(env, dir);
      codexes.push(codex);
      const done = await Promise.all(Array.from({ length: n }, (_, i) => runThread(codex, dir, `thread ${i}`)));
      ok = done.reduce((a, b) => a + b, 0);
    } else {
      const done = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const codex = await startCodex(env, dir);
          codexes.push(codex);
          return runThread(codex, dir, `thread ${i}`);
        }),
      );
      ok = done.reduce((a, b) => a + b, 0);
    }
    // Last sample while every codex still runs (CPU of exited, unreaped processes would be missed).
    const last = sampleTree(process.pid);
    if (last) cpuS = Math.max(cpuS, last.childrenCpuS - (before?.childrenCpuS ?? 0));
    const wallS = (performance.now() - started) / 1000;
    return {
      threads: n,
      "codex process": mode,
      processes: codexes.length,
      "turns ok": `${ok}/${n * TURNS_PER_THREAD}`,
      "codex PSS MiB": Math.round(peakPss / MIB),
      "MiB/thread": Number((peakPss / MIB / n).toFixed(1)),
      "codex CPU s": Number(cpuS.toFixed(1)),
      "CPU s/thread": Number((cpuS / n).toFixed(2)),
      "wall s": Number(wallS.toFixed(1)),
    };
  } finally {
    sampling = false;
    await sampler;
    await Promise.all(codexes.map((codex) => codex.server.shutdown(2_000)));
    await home.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Measures both modes at every count of `BENCH_SESSIONS` and prints one table. */
export async function runCodexModesBench(): Promise<void> {
  const answer: ScriptedResponse = {
    outputs: [{ type: "message", text: "Stored first, then pushed, exactly once. ".repeat(4), chunks: DELTAS_PER_ANSWER }],
    eventDelayMs: MODEL_EVENT_DELAY_MS,
  };
  const model = await startScriptedModel({ script: [], respond: () => answer });
  const rows: Row[] = [];
  try {
    for (const n of sessionCounts()) {
      for (const mode of ["per job", "shared"] as const) rows.push(await measure(mode, n, model.url));
    }
  } finally {
    await model.close();
  }
  console.log(
    `codex alone, N threads × ${TURNS_PER_THREAD} turns: one app-server per thread, or all threads on ONE app-server connection ` +
      `(scripted model, ${DELTAS_PER_ANSWER} deltas per answer; ${os.cpus().length} cores). PSS: peak of ${SAMPLE_MS} ms samples, ` +
      "summed over every codex process tree; CPU s: the trees' user+system time",
  );
  console.table(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runCodexModesBench();
  process.exit(0);
}
