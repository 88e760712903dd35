/**
 * Chaos (c), (d), (e) and a dying codex, with the REAL codex binary behind a
 * wrapper given as `--codex-bin` (see `codex-wrapper.mjs`): codex still does
 * the work; the wrapper adds garbage lines, floods stderr, or kills codex
 * mid-turn. What codex printed is teed to a file, so the test can check that
 * every line it printed reached the outbox byte-exact, and Convex.
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MAX_TURN_ATTEMPTS } from "../../src/bridge/jobs/jobRunner.js";
import { CODEX_BINARY_PATH } from "../stand-ins/codex-home.js";
import { startScriptedModel, type ScriptedModel, type ScriptedResponse } from "../stand-ins/model-server.js";
import { createWorld, startCli, type World } from "./harness.js";
import { storedLines } from "./outboxLines.js";
import { CHAOS_JOBS, EVENT_DELAY_MS, SCRIPTS, jobsFile, promptResponder, type ChaosJob } from "./scenario.js";
import { loggedLines, readConvex, type ConvexSnap } from "./snapshot.js";
import { compareRuns, outboxSessions, type OutboxSession } from "./verify.js";

const WRAPPER = path.join(path.dirname(fileURLToPath(import.meta.url)), "codex-wrapper.mjs");
const ALPHA = CHAOS_JOBS[0] as ChaosJob;
/** Bytes of command output in (e): 5 MB, on one line. */
const BIG_OUTPUT_BYTES = 5_000_000;
/** Bytes the wrapper writes to stderr at start in (d); more follows during the run. */
const STDERR_FLOOD_BYTES = 1_200_000;
/** Outbox cap of the backpressure test, in bytes: codex pauses at half of it (the answer's deltas alone are ~2.6 MB). */
const PAUSE_CAP_BYTES = 6_000_000;
const BIG: ChaosJob = { id: "big", prompts: ["big: print five megabytes"] };
/**
 * A 2 MB answer streamed by the model in 2,000 deltas: deterministic volume
 * (unlike command output, which codex streams only sometimes) for the
 * backpressure test.
 */
const FLOOD: ChaosJob = { id: "flood", prompts: ["flood: a very long answer"] };
const FLOOD_TEXT = "0123456789abcdef".repeat(128 * 1024);
const BIG_SCRIPTS: Record<string, ScriptedResponse[]> = {
  [BIG.prompts[0] as string]: [
    // 5 MB in 50 writes over about half a second, so codex usually streams it as output deltas
    // (it may also send it only whole, capped, in item/completed: both are checked).
    { outputs: [{ type: "shell", command: `for i in $(seq 1 50); do head -c ${BIG_OUTPUT_BYTES / 50} /dev/zero | tr '\\0' x; sleep 0.01; done` }] },
    { outputs: [{ type: "message", text: "That was a lot of x.", chunks: 4 }], eventDelayMs: EVENT_DELAY_MS },
  ],
  [FLOOD.prompts[0] as string]: [{ outputs: [{ type: "message", text: FLOOD_TEXT, chunks: 2_000 }] }],
};

let model: ScriptedModel;
let reference: { snap: ConvexSnap; sessions: OutboxSession[] };

/** Runs `jobs` through the bridge with the wrapper as codex; resolves with the world after a clean exit. */
async function runWrapped(world: World, jobs: ChaosJob[], wrapperEnv: Record<string, string>): Promise<{ stderr: string }> {
  Object.assign(world.env, { CHAOS_REAL_CODEX: CODEX_BINARY_PATH, ...wrapperEnv });
  const file = await world.file("jobs.jsonl", jobsFile(jobs));
  // The wrapper tees and kills ONE codex per job, and the checks read one job session: codex per job (shared mode is in test/e2e/sharedCodex.test.ts).
  const cli = startCli(world, ["bridge", "--jobs", file, "--codex-bin", WRAPPER, "--codex-process", "per-job", "--keep-acked", "--json", "--no-status", "--log-level", "info"]);
  const result = await cli.done;
  cli.killGroup();
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
  return { stderr: result.stderr };
}

/** The codex-origin lines of the outbox, in order (one session). */
function codexLines(world: World): string[] {
  return storedLines(world.outboxPath).filter((row) => row.origin === "codex").map((row) => row.line);
}

function readLines(file: string): string[] {
  return readFileSync(file, "utf8").split("\n").slice(0, -1);
}

beforeAll(async () => {
  model = await startScriptedModel({ script: [], respond: promptResponder({ ...SCRIPTS, ...BIG_SCRIPTS }) });
  const world = await createWorld(model.url);
  try {
    const file = await world.file("jobs.jsonl", jobsFile([ALPHA]));
    const cli = startCli(world, ["bridge", "--jobs", file, "--json", "--no-status"]);
    expect((await cli.done).code).toBe(0);
    reference = { snap: await readConvex(world.t), sessions: outboxSessions(world.outboxPath) };
  } finally {
    await world.close();
  }
}, 60_000);

afterAll(async () => {
  await model?.close();
});

describe("chaos: a misbehaving child", () => {
  test("(c) malformed and truncated lines are stored in order, pushed, and do not disturb the turns", async () => {
    const world = await createWorld(model.url);
    try {
      const tee = path.join(world.dir, "tee.jsonl");
      const garbageLog = path.join(world.dir, "garbage.jsonl");
      await runWrapped(world, [ALPHA], { CHAOS_GARBAGE_EVERY: "7", CHAOS_TEE: tee, CHAOS_GARBAGE_LOG: garbageLog });
      const printed = readLines(tee);
      const garbage = readLines(garbageLog).map((line) => JSON.parse(line) as string);
      const expected: string[] = [];
      printed.forEach((line, i) => {
        expected.push(line);
        if ((i + 1) % 7 === 0) expected.push(garbage[(i + 1) / 7 - 1] as string);
      });
      expected.push(garbage.at(-1) as string); // the truncated line at exit, without newline
      expect(garbage.length).toBeGreaterThan(10);
      expect(codexLines(world)).toEqual(expected);

      const run = { snap: await readConvex(world.t), sessions: outboxSessions(world.outboxPath) };
      expect(compareRuns(reference, run, [ALPHA.id]).problems).toEqual([]);
      const logged = new Set((await loggedLines(world.t, run.sessions[0]?.sessionId ?? "")).map((e) => e.line));
      expect(garbage.filter((line) => !logged.has(line)), "garbage lines missing from the Convex events log").toEqual([]);
    } finally {
      await world.close();
    }
  });

  test("(d) more than 1 MB on stderr is drained to the rotating log and never stalls codex", async () => {
    const world = await createWorld(model.url);
    try {
      await runWrapped(world, [ALPHA], { CHAOS_STDERR_BYTES: String(STDERR_FLOOD_BYTES) });
      const logs = path.join(world.dir, ".codex-convex", "logs");
      const bytes = readdirSync(logs).reduce((sum, name) => sum + statSync(path.join(logs, name)).size, 0);
      expect(bytes).toBeGreaterThan(STDERR_FLOOD_BYTES);
      const run = { snap: await readConvex(world.t), sessions: outboxSessions(world.outboxPath) };
      expect(compareRuns(reference, run, [ALPHA.id]).problems).toEqual([]);
    } finally {
      await world.close();
    }
  });

  test("(e) a 5 MB command output: every line codex printed reaches the outbox byte-exact, and Convex", async () => {
    const world = await createWorld(model.url);
    try {
      const tee = path.join(world.dir, "tee.jsonl");
      await runWrapped(world, [BIG], { CHAOS_TEE: tee });
      const printed = readLines(tee);
      expect(codexLines(world)).toEqual(printed);
      const [session] = outboxSessions(world.outboxPath);
      const snap = await readConvex(world.t);
      expect(snap.ackedSeq[session?.sessionId ?? ""]).toBe(session?.lastSeq);

      type Printed = { method?: string; params?: { itemId?: string; delta?: string; item?: { id?: string; type?: string; aggregatedOutput?: string } } };
      const messages = printed.map((line) => JSON.parse(line) as Printed);
      const completed = messages.find((m) => m.method === "item/completed" && m.params?.item?.type === "commandExecution");
      const itemId = completed?.params?.item?.id;
      const aggregated = completed?.params?.item?.aggregatedOutput ?? "";
      const deltas = messages.filter((m) => m.method === "item/commandExecution/outputDelta" && m.params?.itemId === itemId);
      const streamed = deltas.map((m) => m.params?.delta ?? "").join("");
      const thread = snap.threads.find((t) => t.sessionId === session?.sessionId);
      const command = thread?.turns.flatMap((t) => t.messages).find((m) => m.kind === "commandExecution");
      expect(command?.text).toBe(aggregated);
      expect(command?.streams["commandOutput:0"] ?? "").toBe(streamed);
      console.log(
        `(e) ${BIG_OUTPUT_BYTES} bytes printed by the command: codex sent ${deltas.length} output deltas (${streamed.length} chars) ` +
          `and an aggregatedOutput of ${aggregated.length} chars; ${printed.length} lines, all stored and acknowledged`,
      );
    } finally {
      await world.close();
    }
  });

  test("codex dies mid-turn: the turn is recorded failed, codex restarted, the thread resumed, the prompt rerun", async () => {
    const world = await createWorld(model.url);
    try {
      const once = path.join(world.dir, "died-once");
      const { stderr } = await runWrapped(world, [ALPHA], {
        CHAOS_EXIT_ON: '"item/agentMessage/delta"',
        CHAOS_EXIT_COUNT: "8",
        CHAOS_EXIT_ONCE: once,
      });
      expect(existsSync(once)).toBe(true);
      expect(stderr).toMatch(/restarting codex/);
      expect(stderr).toMatch(/resumed thread/);
      const run = { snap: await readConvex(world.t), sessions: outboxSessions(world.outboxPath) };
      const comparison = compareRuns(reference, run, [ALPHA.id]);
      expect(comparison.problems).toEqual([]);
      expect(comparison.cutOff).toBe(1);
      const failed = run.snap.threads.flatMap((t) => t.turns).find((t) => t.status === "failed");
      expect(failed?.error).toMatch(/codex exited \(code 137/);
      const rows = storedLines(world.outboxPath).filter((row) => row.origin === "bridge").map((row) => JSON.parse(row.line).method);
      expect(rows).toEqual(expect.arrayContaining(["bridge/codexExited", "bridge/turnFailed", "thread/resume"]));
    } finally {
      await world.close();
    }
  });

  test("codex dies on every try: the job gives up after MAX_TURN_ATTEMPTS, each cut-off turn recorded failed", async () => {
    const world = await createWorld(model.url);
    Object.assign(world.env, { CHAOS_REAL_CODEX: CODEX_BINARY_PATH, CHAOS_EXIT_ON: '"item/agentMessage/delta"', CHAOS_EXIT_COUNT: "3" });
    const file = await world.file("jobs.jsonl", jobsFile([ALPHA]));
    const cli = startCli(world, ["bridge", "--jobs", file, "--codex-bin", WRAPPER, "--json", "--no-status"]);
    try {
      const result = await cli.done;
      expect(result.code).toBe(1);
      const summary = JSON.parse(result.stdout) as { drained: boolean; jobs: Array<{ state: string; error: string; codexRestarts: number }> };
      expect(summary.jobs[0]).toMatchObject({ state: "failed", codexRestarts: MAX_TURN_ATTEMPTS });
      expect(summary.jobs[0]?.error).toMatch(new RegExp(`cut off ${MAX_TURN_ATTEMPTS} times`));
      expect(summary.drained).toBe(true);
      const turns = (await readConvex(world.t)).threads.flatMap((t) => t.turns);
      expect(turns.map((t) => t.status)).toEqual(Array.from({ length: MAX_TURN_ATTEMPTS }, () => "failed"));
      expect(turns.every((t) => /codex exited \(code 137/.test(t.error ?? ""))).toBe(true);
    } finally {
      cli.killGroup();
      await world.close();
    }
  });

  test("backpressure: a small outbox cap with Convex away pauses codex; then everything arrives byte-exact", async () => {
    const world = await createWorld(model.url);
    Object.assign(world.env, { CHAOS_REAL_CODEX: CODEX_BINARY_PATH, CHAOS_TEE: path.join(world.dir, "tee.jsonl") });
    const file = await world.file("jobs.jsonl", jobsFile([FLOOD]));
    world.convex.setUnreachable(true);
    const cli = startCli(world, [
      "bridge", "--jobs", file, "--codex-bin", WRAPPER, "--codex-process", "per-job", "--keep-acked", "--json", "--no-status", "--log-level", "info",
      "--max-pending-bytes", String(PAUSE_CAP_BYTES), "--flush-timeout", "60000",
    ]);
    try {
      while (!/pausing codex/.test(cli.output().stderr)) {
        expect(cli.child.exitCode, `${cli.output().stdout}\n${cli.output().stderr}`).toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      world.convex.setUnreachable(false);
      const result = await cli.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/reading codex again/);
      expect(codexLines(world)).toEqual(readLines(path.join(world.dir, "tee.jsonl")));
      const [session] = outboxSessions(world.outboxPath);
      const snap = await readConvex(world.t);
      expect(snap.ackedSeq[session?.sessionId ?? ""]).toBe(session?.lastSeq);
      const answer = snap.threads.flatMap((t) => t.turns).flatMap((t) => t.messages).find((m) => m.kind === "agentMessage");
      expect(answer?.text === FLOOD_TEXT && answer.streams["agentText:0"] === FLOOD_TEXT).toBe(true);
    } finally {
      cli.killGroup();
      await world.close();
    }
  });
});
