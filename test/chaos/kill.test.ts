/**
 * Chaos (a): kill -9 the bridge (the real CLI, a child process) at seeded
 * random points of a multi-turn, two-thread run with the real codex binary,
 * restart it, and compare the Convex state with a clean reference run: no
 * event lost, none doubled, every text byte-exact. A restarted bridge adopts
 * the outbox's sessions, records the cut-off turns failed, resumes the
 * threads with `thread/resume` and runs the cut-off prompts again.
 *
 * CI runs a few kills; `CHAOS_RUNS=20` (kills) runs the full count;
 * `CHAOS_SEED` picks another repeatable sequence.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { createWorld, startCli, storedEvents, waitForEvents, type CliProcess, type World } from "./harness.js";
import { chaosRuns, chaosSeed, randomInt, seededRandom } from "./rng.js";
import { CHAOS_JOBS, SCRIPTS, jobsFile, promptResponder } from "./scenario.js";
import { readConvex, type ConvexSnap } from "./snapshot.js";
import { compareRuns, outboxSessions, type OutboxSession } from "./verify.js";

const KILLS = chaosRuns(3);
const SEED = chaosSeed(4_2024);
const JOB_IDS = CHAOS_JOBS.map((job) => job.id);
/** Share of kills made by time, early in a start, rather than at an event count. */
const EARLY_KILL_SHARE = 0.15;
/** Latest such early kill, in ms after the start. */
const EARLY_KILL_MAX_MS = 1_200;
/** Per kill: a bridge start, codex start, a few turns; generous for a loaded 2-core CI box. */
const MS_PER_KILL = 25_000;

let model: ScriptedModel;
let reference: { snap: ConvexSnap; sessions: OutboxSession[]; events: number };

async function bridgeArgs(world: World): Promise<string[]> {
  const jobs = await world.file("jobs.jsonl", jobsFile(CHAOS_JOBS));
  return ["bridge", "--jobs", jobs, "--json", "--log-level", "info", "--flush-timeout", "60000", "--no-status"];
}

async function finish(cli: CliProcess): Promise<void> {
  const result = await cli.done;
  expect(result.stderr, result.stderr).not.toMatch(/unexpected error/);
  expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

beforeAll(async () => {
  model = await startScriptedModel({ script: [], respond: promptResponder(SCRIPTS) });
  const world = await createWorld(model.url);
  try {
    const cli = startCli(world, await bridgeArgs(world));
    await finish(cli);
    reference = { snap: await readConvex(world.t), sessions: outboxSessions(world.outboxPath), events: storedEvents(world.outboxPath) };
  } finally {
    await world.close();
  }
}, 120_000);

afterAll(async () => {
  await model?.close();
});

describe("chaos: kill -9 the bridge mid-run", () => {
  test("the reference run completes every turn of both threads", () => {
    for (const job of CHAOS_JOBS) {
      const session = reference.sessions.find((s) => s.jobId === job.id);
      const thread = reference.snap.threads.find((t) => t.sessionId === session?.sessionId && t.turns.length > 0);
      expect(thread?.turns.map((t) => t.status)).toEqual(job.prompts.map(() => "completed"));
    }
    expect(reference.snap.deltaProblems).toEqual([]);
    expect(reference.events).toBeGreaterThan(50);
  });

  test(`${KILLS} seeded kills (seed ${SEED}): 0 events lost, 0 doubled, text byte-exact`, async () => {
    const random = seededRandom(SEED);
    const log: string[] = [];
    let kills = 0;
    let totals = { lost: 0, doubled: 0, cutOff: 0 };
    for (let round = 1; kills < KILLS; round++) {
      const world = await createWorld(model.url);
      const started: CliProcess[] = [];
      try {
        const args = await bridgeArgs(world);
        const killsThisRound = kills + 2 <= KILLS && random() < 0.3 ? 2 : 1;
        const points: string[] = [];
        for (let k = 0; k < killsThisRound; k++) {
          const already = storedEvents(world.outboxPath);
          const target = already + randomInt(random, 1, Math.max(2, reference.events - 1 - (k === 0 ? 0 : Math.floor(reference.events / 2))));
          // Now and then a kill by time instead, early: during startup, migration, claims.
          const earlyMs = random() < EARLY_KILL_SHARE ? randomInt(random, 50, EARLY_KILL_MAX_MS) : null;
          const cli = startCli(world, args);
          started.push(cli);
          const stored = earlyMs === null ? await waitForEvents(world.outboxPath, target, cli) : await sleep(earlyMs).then(() => storedEvents(world.outboxPath));
          cli.kill("SIGKILL");
          const ended = await cli.done;
          if (ended.signal !== "SIGKILL") {
            points.push(`run ended before event ${target}`);
            continue;
          }
          kills += 1;
          points.push(earlyMs === null ? `kill at event ${stored} (target ${target})` : `kill ${earlyMs} ms after start (event ${stored})`);
        }
        const last = startCli(world, args);
        started.push(last);
        await finish(last);
        const run = { snap: await readConvex(world.t), sessions: outboxSessions(world.outboxPath) };
        const comparison = compareRuns(reference, run, JOB_IDS);
        totals = { lost: totals.lost + comparison.lost, doubled: totals.doubled + comparison.doubled, cutOff: totals.cutOff + comparison.cutOff };
        log.push(`round ${round}: ${points.join(", ")} → ${comparison.cutOff} turn(s) cut off and rerun; lost ${comparison.lost}, doubled ${comparison.doubled}`);
        expect(comparison.problems, `round ${round} (${points.join(", ")})`).toEqual([]);
      } finally {
        for (const cli of started) cli.killGroup();
        await world.close();
      }
    }
    console.log(
      [`chaos kill -9: ${kills} kills, seed ${SEED}, reference ${reference.events} events`, ...log,
        `total: lost ${totals.lost}, doubled ${totals.doubled}, turns cut off and rerun ${totals.cutOff}`].join("\n"),
    );
    expect(totals).toMatchObject({ lost: 0, doubled: 0 });
  }, 60_000 + KILLS * MS_PER_KILL);
});
