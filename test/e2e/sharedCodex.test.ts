/**
 * `--codex-process shared` with the real CLI and the real codex binary: three
 * jobs run their threads at once on ONE `codex app-server`, each thread's
 * lines land in its own outbox session (its own seq stream) and nowhere else;
 * then codex is killed with SIGKILL mid-turn: every cut-off turn is recorded
 * failed, codex is started again, every thread is resumed (same thread id) and
 * its follow-up turn completes; every seq 1…last of every session is applied
 * by Convex exactly once.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startCli, waitForEvents, type CliProcess, type World } from "../chaos/harness.js";
import { storedLines, type StoredLine } from "../chaos/outboxLines.js";
import { jobsFile, promptResponder, type ChaosJob } from "../chaos/scenario.js";
import { outboxSessions } from "../chaos/verify.js";
import { CODEX_BINARY_PATH } from "../stand-ins/codex-home.js";
import { startScriptedModel, type ScriptedModel, type ScriptedResponse } from "../stand-ins/model-server.js";
import { appliedProblems, createRecordingWorld, type AppliedSeqs } from "../support/appliedSeqs.js";
import { HEAVY_TEST_TIMEOUT_MS } from "../support/component.js";
import { appServerChildren } from "../support/procChildren.js";

/** Pause between the slow answers' SSE events, in ms: the kill lands mid-turn. */
const SLOW_EVENT_DELAY_MS = 30;
/** Pause between the quick answers' SSE events, in ms. */
const QUICK_EVENT_DELAY_MS = 3;
/** The codex stand-in that runs the real codex and tees what it printed (see `test/chaos/codex-wrapper.mjs`). */
const WRAPPER = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "chaos", "codex-wrapper.mjs");
/** The wrapper adds a garbage line after every this many real lines. */
const GARBAGE_EVERY = 9;

/** Events stored (all sessions) before codex is killed: well into the first turns. */
const KILL_AFTER_EVENTS = 60;

const answer = (text: string, eventDelayMs: number): ScriptedResponse[] => [{ outputs: [{ type: "message", text, chunks: 25 }], eventDelayMs }];

const JOBS: ChaosJob[] = ["red", "green", "blue"].map((name) => ({
  id: name,
  prompts: [`${name}-1: take your time`, `${name}-2: and now the follow-up`],
}));

const SCRIPTS: Record<string, ScriptedResponse[]> = Object.fromEntries(
  JOBS.flatMap((job) => [
    [job.prompts[0] as string, answer(`A slow answer for ${job.id}. `.repeat(4), SLOW_EVENT_DELAY_MS)],
    [job.prompts[1] as string, answer(`The follow-up of ${job.id}.`, QUICK_EVENT_DELAY_MS)],
  ]),
);

type Summary = { jobs: Array<{ jobId: string; state: string; threadId: string | null; turns: Array<{ status: string }>; codexRestarts: number }>; drained: boolean };

let model: ScriptedModel;

beforeAll(async () => {
  model = await startScriptedModel({ script: [], respond: promptResponder(SCRIPTS) });
});

afterAll(async () => {
  await model?.close();
});

/** The thread ids a stored line names (params.threadId, params.thread.id, result.thread.id). */
function threadIdsOf(line: string): string[] {
  try {
    const message = JSON.parse(line) as { params?: { threadId?: unknown; thread?: { id?: unknown } }; result?: { thread?: { id?: unknown } } };
    return [message.params?.threadId, message.params?.thread?.id, message.result?.thread?.id].filter((id): id is string => typeof id === "string");
  } catch {
    return [];
  }
}

async function runShared(world: World, onRunning?: (cli: CliProcess) => Promise<void>, extra: string[] = []): Promise<{ summary: Summary; code: number | null; stderr: string }> {
  const file = await world.file("jobs.jsonl", jobsFile(JOBS));
  const cli = startCli(world, ["bridge", "--jobs", file, "--codex-process", "shared", "--keep-acked", "--json", "--no-status", "--log-level", "info", ...extra], HEAVY_TEST_TIMEOUT_MS);
  await onRunning?.(cli);
  const result = await cli.done;
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return { summary: JSON.parse(result.stdout) as Summary, code: result.code, stderr: result.stderr };
}

/** Every job session holds only its own thread's lines, and the other lines are in the bridge-level session. */
function expectRoutedByThread(lines: StoredLine[], summary: Summary, jobSessions: Map<string, string>): void {
  const threadOfSession = new Map<string, string>();
  for (const job of summary.jobs) threadOfSession.set(jobSessions.get(job.jobId) as string, job.threadId as string);
  for (const line of lines) {
    const own = threadOfSession.get(line.sessionId);
    if (own === undefined) continue; // the bridge-level session
    for (const threadId of threadIdsOf(line.line)) expect(threadId, `session of thread ${own} holds ${line.line.slice(0, 200)}`).toBe(own);
  }
}

describe("--codex-process shared (real codex)", () => {
  test(
    "three threads at once on one codex, each streamed into its own session",
    async () => {
      const applied: AppliedSeqs = new Map();
      const world = await createRecordingWorld(model.url, applied);
      try {
        let maxCodex = 0;
        const { summary } = await runShared(world, async (cli) => {
          await waitForEvents(world.outboxPath, KILL_AFTER_EVENTS, cli);
          maxCodex = appServerChildren(cli.pid).length;
        });
        expect(maxCodex).toBe(1);
        expect(summary.jobs.map((job) => [job.jobId, job.state, job.turns.map((turn) => turn.status)]).sort()).toEqual(
          JOBS.map((job) => [job.id, "completed", ["completed", "completed"]]).sort(),
        );
        expect(summary.drained).toBe(true);
        const sessions = outboxSessions(world.outboxPath);
        const jobSessions = new Map(sessions.filter((s) => JOBS.some((job) => job.id === s.jobId)).map((s) => [s.jobId as string, s.sessionId]));
        expect(jobSessions.size).toBe(JOBS.length);
        expect(sessions.filter((s) => s.jobId?.startsWith("shared-codex-"))).toHaveLength(1);
        const lines = storedLines(world.outboxPath);
        expectRoutedByThread(lines, summary, jobSessions);
        // initialize went once, in the bridge-level session; each job session has its own thread/start and turns.
        expect(lines.filter((l) => l.line.includes('"method":"initialize"')).map((l) => l.sessionId)).toEqual(
          sessions.filter((s) => s.jobId?.startsWith("shared-codex-")).map((s) => s.sessionId),
        );
        for (const sessionId of jobSessions.values()) {
          const own = lines.filter((l) => l.sessionId === sessionId).map((l) => l.line);
          expect(own.filter((l) => l.includes('"method":"turn/completed"'))).toHaveLength(2);
          expect(own.filter((l) => l.includes('"method":"thread/started"'))).toHaveLength(1);
        }
        expect(appliedProblems(sessions, applied)).toEqual({ lost: 0, doubled: 0 });
      } finally {
        await world.close();
      }
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  test(
    "kill -9 of the shared codex mid-turn: every thread is resumed and continues; nothing lost or doubled",
    async () => {
      const applied: AppliedSeqs = new Map();
      const world = await createRecordingWorld(model.url, applied);
      try {
        let killed = 0;
        const { summary, stderr } = await runShared(world, async (cli) => {
          await waitForEvents(world.outboxPath, KILL_AFTER_EVENTS, cli);
          const [pid] = appServerChildren(cli.pid);
          expect(pid).toBeDefined();
          process.kill(pid as number, "SIGKILL");
          killed = pid as number;
        });
        expect(killed).toBeGreaterThan(0);
        expect(stderr).toMatch(/the shared codex exited \(code null, signal SIGKILL\)/);
        for (const job of summary.jobs) {
          expect(job.state, job.jobId).toBe("completed");
          expect(job.turns.at(-1)?.status, job.jobId).toBe("completed");
          expect(job.turns.filter((turn) => turn.status === "completed")).toHaveLength(2);
        }
        const sessions = outboxSessions(world.outboxPath);
        const jobSessions = new Map(sessions.filter((s) => JOBS.some((job) => job.id === s.jobId)).map((s) => [s.jobId as string, s.sessionId]));
        const lines = storedLines(world.outboxPath);
        expectRoutedByThread(lines, summary, jobSessions);
        let cutOff = 0;
        for (const [jobId, sessionId] of jobSessions) {
          const own = lines.filter((l) => l.sessionId === sessionId).map((l) => l.line);
          // One thread per job: resumed after the kill, never replaced.
          expect(own.filter((l) => l.includes('"method":"thread/started"')), jobId).toHaveLength(1);
          expect(own.filter((l) => l.includes('"method":"bridge/threadReplaced"')), jobId).toHaveLength(0);
          const exited = own.filter((l) => l.includes('"method":"bridge/codexExited"'));
          const failed = own.filter((l) => l.includes('"method":"bridge/turnFailed"'));
          // Nothing sent twice: one turn/start per turn that completed, plus one per cut-off turn (its prompt is run again, as per job).
          const turnStarts = own.filter((l) => l.includes('"method":"turn/start"'));
          expect(turnStarts, jobId).toHaveLength(2 + failed.length);
          if (failed.length > 0) {
            cutOff += 1;
            expect(exited, jobId).toHaveLength(1);
            expect(own.filter((l) => l.includes('"method":"thread/resume"')).length, jobId).toBeGreaterThanOrEqual(1);
          }
        }
        expect(cutOff).toBeGreaterThanOrEqual(1);
        expect(appliedProblems(sessions, applied)).toEqual({ lost: 0, doubled: 0 });
      } finally {
        await world.close();
      }
    },
    HEAVY_TEST_TIMEOUT_MS,
  );

  test(
    "every line the shared codex printed, garbage included, is stored exactly once: in its thread's session, in order",
    async () => {
      const applied: AppliedSeqs = new Map();
      const world = await createRecordingWorld(model.url, applied);
      try {
        const tee = path.join(world.dir, "tee.jsonl");
        const garbageLog = path.join(world.dir, "garbage.jsonl");
        Object.assign(world.env, { CHAOS_REAL_CODEX: CODEX_BINARY_PATH, CHAOS_TEE: tee, CHAOS_GARBAGE_EVERY: String(GARBAGE_EVERY), CHAOS_GARBAGE_LOG: garbageLog });
        const { summary } = await runShared(world, undefined, ["--codex-bin", WRAPPER]);
        expect(summary.jobs.every((job) => job.state === "completed")).toBe(true);
        const printed = readFileSync(tee, "utf8").split("\n").slice(0, -1);
        const garbage = readFileSync(garbageLog, "utf8").split("\n").slice(0, -1).map((line) => JSON.parse(line) as string);
        expect(garbage.length).toBeGreaterThan(5);
        // What codex (and the wrapper) printed, in print order, against what the outbox holds from codex, all sessions.
        const expected: string[] = [];
        printed.forEach((line, i) => {
          expected.push(line);
          if ((i + 1) % GARBAGE_EVERY === 0) expected.push(garbage[(i + 1) / GARBAGE_EVERY - 1] as string);
        });
        expected.push(garbage.at(-1) as string); // the truncated line at exit
        // Codex's lines, and those of a thread whose lease had ended (kept wrapped in the bridge-level session).
        const stored = storedLines(world.outboxPath).flatMap((row) => {
          if (row.origin === "codex") return [row];
          const wrapped = JSON.parse(row.line) as { method?: string; params?: { line?: string } };
          return wrapped.method === "bridge/endedThreadLine" && typeof wrapped.params?.line === "string" ? [{ ...row, line: wrapped.params.line }] : [];
        });
        expect([...stored.map((row) => row.line)].sort()).toEqual([...expected].sort()); // each line once, none lost, none made up
        // Each session's share keeps codex's order.
        const position = new Map<string, number[]>();
        expected.forEach((line, i) => position.set(line, [...(position.get(line) ?? []), i]));
        for (const sessionId of new Set(stored.map((row) => row.sessionId))) {
          const order = stored.filter((row) => row.sessionId === sessionId).map((row) => position.get(row.line)?.shift() ?? -1);
          expect(order, `session ${sessionId}`).toEqual([...order].sort((a, b) => a - b));
        }
        // Garbage belongs to no thread: it is kept in the bridge-level session.
        const bridgeSession = outboxSessions(world.outboxPath).find((s) => s.jobId?.startsWith("shared-codex-"))?.sessionId;
        for (const line of garbage) expect(stored.find((row) => row.line === line)?.sessionId, line).toBe(bridgeSession);
        expect(appliedProblems(outboxSessions(world.outboxPath), applied)).toEqual({ lost: 0, doubled: 0 });
      } finally {
        await world.close();
      }
    },
    HEAVY_TEST_TIMEOUT_MS,
  );
});
