/**
 * One bridge, many sessions: the REAL `codex-convex bridge` CLI (a child
 * process, from source through tsx) runs N jobs × 2 turns at once against the
 * scripted model, pushing to the in-memory Convex app behind the loopback HTTP
 * stand-in, in both codex modes (`--codex-process per-job`: one real
 * `codex app-server` per job; `shared`: one for the whole bridge). Per N and mode:
 *
 * - events/s stored (outbox) and acknowledged (Convex), from the first stored
 *   event to the last one stored / acknowledged, and the most events stored
 *   but not yet acknowledged at one sample;
 * - lost / doubled: every `ingestSafe` Convex committed is recorded with the
 *   seqs it applied; each seq 1…lastSeq of every outbox session must have been
 *   applied exactly once;
 * - memory as PSS (`/proc/<pid>/smaps_rollup`): the bridge process, and the
 *   sum over every codex process tree, peak of the samples;
 * - CPU seconds (`/proc/<pid>/stat`), sampled until the bridge exits.
 *
 *   npm run bench                                  (every bench, see bench/run.ts)
 *   BENCH_SESSIONS=10,50 npx tsx bench/sessions.bench.ts
 *   BENCH_CODEX_PROCESS=shared BENCH_SESSIONS=100 npx tsx bench/sessions.bench.ts   (one mode only)
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { makeCodexHome } from "../test/stand-ins/codex-home.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";
import { startConvexHttpStandIn } from "../test/stand-ins/convexHttpStandIn.js";
import { startScriptedModel, type ScriptedResponse } from "../test/stand-ins/model-server.js";
import { startCli, TOKEN, type World } from "../test/chaos/harness.js";
import { appliedProblems, recordingApp, type AppliedSeqs } from "../test/support/appliedSeqs.js";
import { CODEX_PROCESS_MODES, type CodexProcessMode } from "../src/bridge/codex/codexLease.js";
import { outboxSessions } from "../test/chaos/verify.js";
import { sampleTree, type TreeSample } from "./procStats.js";
import { sessionCounts } from "./sessionCounts.js";

/** Turns per job. */
const TURNS_PER_JOB = 2;
/** Text deltas per answer. */
const DELTAS_PER_ANSWER = 20;
/** Pause between the scripted model's SSE events, in ms. */
const MODEL_EVENT_DELAY_MS = 5;
/** Interval between two samples of memory, CPU and the outbox, in ms. */
const SAMPLE_MS = 250;
/** Longest one case may run before its process group is killed, in ms. */
const CASE_TIMEOUT_MS = 15 * 60_000;
const MIB = 1024 * 1024;

/** Events stored and acknowledged so far, over every session of the outbox. */
function outboxTotals(outboxPath: string): { stored: number; acked: number } {
  if (!existsSync(outboxPath)) return { stored: 0, acked: 0 };
  let db: Database.Database | undefined;
  try {
    db = new Database(outboxPath, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 1000");
    const row = db.prepare("SELECT COALESCE(SUM(last_seq), 0) AS stored, COALESCE(SUM(acked_seq), 0) AS acked FROM sessions").get() as {
      stored: number;
      acked: number;
    };
    return row;
  } catch {
    return { stored: 0, acked: 0 }; // not created yet, or mid-migration
  } finally {
    db?.close();
  }
}

type Row = {
  sessions: number;
  "codex process": string;
  "jobs ok": string;
  exit: string;
  events: number;
  "stored ev/s": number;
  "acked ev/s": number;
  "max unacked": number;
  lost: number;
  doubled: number;
  "bridge PSS MiB": number;
  "codex PSS MiB": number;
  "codex MiB/job": number;
  "bridge CPU s": number;
  "codex CPU s": number;
  "stand-ins CPU s": number;
  "wall s": number;
};

/** The modes to measure: `BENCH_CODEX_PROCESS` (one of {@link CODEX_PROCESS_MODES}), else both. */
function benchModes(): CodexProcessMode[] {
  const raw = process.env.BENCH_CODEX_PROCESS;
  if (!raw) return ["per-job", "shared"];
  if (!(CODEX_PROCESS_MODES as readonly string[]).includes(raw)) throw new Error(`BENCH_CODEX_PROCESS must be one of ${CODEX_PROCESS_MODES.join(", ")}, got "${raw}"`);
  return [raw as CodexProcessMode];
}

/** Runs N jobs × {@link TURNS_PER_JOB} turns in one bridge and measures it. */
async function measure(n: number, mode: CodexProcessMode, modelUrl: string): Promise<Row> {
  const home = await makeCodexHome({ modelUrl });
  const applied: AppliedSeqs = new Map();
  const t = createConvexApp();
  const convex = await startConvexHttpStandIn(recordingApp(t, applied));
  const dir = await mkdtemp(path.join(os.tmpdir(), "codex-convex-sessions-bench-"));
  const userHome = path.join(dir, "home");
  await mkdir(userHome);
  const env = { ...home.env, HOME: userHome, CONVEX_URL: convex.url, CODEX_CONVEX_AUTH_TOKEN: TOKEN };
  const outboxPath = path.join(dir, ".codex-convex", "outbox.sqlite");
  const world: World = {
    home,
    t,
    convex,
    dir,
    outboxPath,
    env,
    async file(name, text) {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return file;
    },
    close: async () => {},
  };
  try {
    const jobs = Array.from({ length: n }, (_, i) => ({
      id: `job-${i}`,
      prompts: Array.from({ length: TURNS_PER_JOB }, (_, turn) => `job ${i}, turn ${turn + 1}: say something`),
    }));
    const file = await world.file("jobs.jsonl", jobs.map((job) => JSON.stringify(job)).join("\n") + "\n");
    const started = performance.now();
    const benchCpu = process.cpuUsage();
    const cli = startCli(world, ["bridge", "--jobs", file, "--max-threads", String(n), "--codex-process", mode, "--json", "--no-status"], CASE_TIMEOUT_MS);
    let exited = false;
    void cli.done.then(() => (exited = true));

    let last: TreeSample | null = null;
    let peakBridgePss = 0;
    let peakCodexPss = 0;
    let maxUnacked = 0;
    let firstStoreMs: number | null = null;
    let lastStoreMs = 0;
    let lastAckMs = 0;
    let prev = { stored: 0, acked: 0 };
    while (!exited) {
      const now = performance.now();
      const sample = sampleTree(cli.pid);
      if (sample) {
        last = sample;
        peakBridgePss = Math.max(peakBridgePss, sample.rootPssBytes);
        peakCodexPss = Math.max(peakCodexPss, sample.childrenPssBytes);
      }
      const totals = outboxTotals(outboxPath);
      if (totals.stored > 0 && firstStoreMs === null) firstStoreMs = now;
      if (totals.stored > prev.stored) lastStoreMs = now;
      if (totals.acked > prev.acked) lastAckMs = now;
      maxUnacked = Math.max(maxUnacked, totals.stored - totals.acked);
      prev = totals;
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
    }
    const result = await cli.done;
    cli.killGroup();
    const wallS = (performance.now() - started) / 1000;
    const standInsCpu = process.cpuUsage(benchCpu);

    // Every seq 1…lastSeq of every session applied exactly once.
    const sessions = outboxSessions(outboxPath);
    const events = sessions.reduce((sum, session) => sum + session.lastSeq, 0);
    const { lost, doubled } = appliedProblems(sessions, applied);
    let completed = 0;
    try {
      const summary = JSON.parse(result.stdout) as { jobs: Array<{ state: string }> };
      completed = summary.jobs.filter((job) => job.state === "completed").length;
    } catch {
      // no summary: the bridge died; the row shows 0 jobs ok and the exit code
    }
    if (result.code !== 0) console.error(`sessions bench, N=${n} ${mode}: bridge exited ${result.code ?? result.signal}:\n${result.stderr.slice(-2_000)}`);
    const spanS = (endMs: number) => (firstStoreMs === null || endMs <= firstStoreMs ? 0 : (endMs - firstStoreMs) / 1000);
    const rate = (endMs: number) => (spanS(endMs) > 0 ? Math.round(events / spanS(endMs)) : 0);
    return {
      sessions: n,
      "codex process": mode,
      "jobs ok": `${completed}/${n}`,
      exit: String(result.code ?? result.signal),
      events,
      "stored ev/s": rate(lastStoreMs),
      "acked ev/s": rate(lastAckMs),
      "max unacked": maxUnacked,
      lost,
      doubled,
      "bridge PSS MiB": Math.round(peakBridgePss / MIB),
      "codex PSS MiB": Math.round(peakCodexPss / MIB),
      "codex MiB/job": Number((peakCodexPss / MIB / n).toFixed(1)),
      "bridge CPU s": Number((last?.rootCpuS ?? 0).toFixed(1)),
      "codex CPU s": Number((last?.childrenCpuS ?? 0).toFixed(1)),
      "stand-ins CPU s": Number(((standInsCpu.user + standInsCpu.system) / 1e6).toFixed(1)),
      "wall s": Number(wallS.toFixed(1)),
    };
  } finally {
    await convex.close();
    await home.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Measures one bridge at every session count of {@link sessionCounts} and prints one table. */
export async function runSessionsBench(): Promise<void> {
  const counts = sessionCounts();
  const answer: ScriptedResponse = {
    outputs: [{ type: "message", text: "Stored first, then pushed, exactly once. ".repeat(4), chunks: DELTAS_PER_ANSWER }],
    eventDelayMs: MODEL_EVENT_DELAY_MS,
  };
  const model = await startScriptedModel({ script: [], respond: () => answer });
  const rows: Row[] = [];
  try {
    for (const n of counts) {
      for (const mode of benchModes()) {
        rows.push(await measure(n, mode, model.url));
        console.error(JSON.stringify(rows.at(-1)));
      }
    }
  } finally {
    await model.close();
  }
  console.log(
    `One bridge, many sessions: the real CLI runs N jobs × ${TURNS_PER_JOB} turns at once (--max-threads N), with --codex-process per-job ` +
      "(one real codex app-server per job) and shared (one for the bridge; its bridge-level session counted with the others), " +
      `scripted model (${DELTAS_PER_ANSWER} deltas per answer, ${MODEL_EVENT_DELAY_MS} ms apart), loopback HTTP Convex stand-in; ` +
      `${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 / MIB)} GiB. ev/s from the first stored event to the last stored / acknowledged; ` +
      `PSS peak of ${SAMPLE_MS} ms samples (codex: sum over every codex process tree); CPU s until the bridge exits; ` +
      "stand-ins CPU s: this process (the Convex stand-in running convex-test, the scripted model, the sampling); " +
      "lost/doubled: seqs 1…lastSeq of each outbox session not applied / applied more than once by ingestSafe",
  );
  console.table(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runSessionsBench();
  process.exit(0);
}
