/**
 * Chaos (b): Convex unreachable for a while in the middle of the turns (the
 * HTTP stand-in answers 503), then back: everything arrives, in order, none
 * doubled. And a bridge stopped with SIGTERM while Convex is unreachable:
 * it stops reading codex, records the running turns failed, waits for Convex
 * no longer than --flush-timeout, exits 143, and the next start delivers the rest.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startScriptedModel, type ScriptedModel } from "../stand-ins/model-server.js";
import { createWorld, startCli, storedEvents, waitForEvents, type World } from "./harness.js";
import { storedLines } from "./outboxLines.js";
import { CHAOS_JOBS, SCRIPTS, jobsFile, promptResponder } from "./scenario.js";
import { readConvex, type ConvexSnap } from "./snapshot.js";
import { compareRuns, outboxSessions, type OutboxSession } from "./verify.js";

const JOB_IDS = CHAOS_JOBS.map((job) => job.id);
/** How long Convex stays unreachable once codex has moved on, in ms. */
const OUTAGE_MS = 1_500;
/** The stopping bridge's bound on waiting for Convex, in ms. */
const STOP_FLUSH_MS = 1_500;
/** Slack for the process to stop codex and exit after that, in ms. */
const STOP_SLACK_MS = 6_000;

let model: ScriptedModel;
let reference: { snap: ConvexSnap; sessions: OutboxSession[]; events: number };

async function args(world: World, extra: string[] = []): Promise<string[]> {
  const jobs = await world.file("jobs.jsonl", jobsFile(CHAOS_JOBS));
  return ["bridge", "--jobs", jobs, "--json", "--no-status", "--log-level", "info", ...extra];
}

async function snapshotOf(world: World) {
  return { snap: await readConvex(world.t), sessions: outboxSessions(world.outboxPath) };
}

beforeAll(async () => {
  model = await startScriptedModel({ script: [], respond: promptResponder(SCRIPTS) });
  const world = await createWorld(model.url);
  try {
    const cli = startCli(world, await args(world));
    expect((await cli.done).code).toBe(0);
    reference = { ...(await snapshotOf(world)), events: storedEvents(world.outboxPath) };
  } finally {
    await world.close();
  }
}, 60_000);

afterAll(async () => {
  await model?.close();
});

describe("chaos: Convex unreachable", () => {
  test("(b) an outage mid-turn: everything arrives afterwards, in order, nothing doubled", async () => {
    const world = await createWorld(model.url);
    const cli = startCli(world, await args(world));
    try {
      await waitForEvents(world.outboxPath, 20, cli);
      world.convex.setUnreachable(true);
      const during = await waitForEvents(world.outboxPath, Math.floor(reference.events * 0.7), cli);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      world.convex.setUnreachable(false);
      const result = await cli.done;
      expect(result.code, result.stderr).toBe(0);
      const comparison = compareRuns(reference, await snapshotOf(world), JOB_IDS);
      expect(comparison.problems).toEqual([]);
      expect(comparison).toMatchObject({ lost: 0, doubled: 0, cutOff: 0 });
      const db = new Database(world.outboxPath, { readonly: true });
      const errors = db.prepare("SELECT last_error FROM sessions WHERE last_error IS NOT NULL").pluck().all() as string[];
      db.close();
      expect(errors.length, "the outage was seen by the pushers").toBeGreaterThan(0);
      expect(errors.join("\n")).toMatch(/TRANSPORT_FAILED/);
      console.log(`(b) outage from event 20 to ${during}+ (${OUTAGE_MS} ms more): all ${reference.events}-ish events delivered after it; lost 0, doubled 0`);
    } finally {
      cli.killGroup();
      await world.close();
    }
  });

  test("SIGTERM while Convex is unreachable: bounded flush, exit 143, the next start delivers the rest", async () => {
    const world = await createWorld(model.url);
    world.convex.setUnreachable(true);
    const first = startCli(world, await args(world, ["--flush-timeout", String(STOP_FLUSH_MS)]));
    let second: ReturnType<typeof startCli> | undefined;
    try {
      await waitForEvents(world.outboxPath, 60, first);
      const stoppedAt = Date.now();
      first.kill("SIGTERM");
      const stopped = await first.done;
      const stopMs = Date.now() - stoppedAt;
      expect(stopped.code, stopped.stderr).toBe(143);
      expect(stopMs).toBeLessThan(STOP_FLUSH_MS + STOP_SLACK_MS);
      const summary = JSON.parse(stopped.stdout) as { drained: boolean; stoppedBy: string };
      expect(summary).toMatchObject({ drained: false, stoppedBy: "SIGTERM" });
      const rows = storedLines(world.outboxPath);
      expect(rows.filter((row) => row.line.includes('"bridge/turnFailed"')).length).toBeGreaterThan(0);
      expect(rows.find((row) => row.line.includes('"bridge/turnFailed"'))?.line).toMatch(/stopped \(SIGTERM\)/);
      const db = new Database(world.outboxPath, { readonly: true });
      expect(db.prepare("SELECT COUNT(*) FROM sessions WHERE owner_pid IS NOT NULL").pluck().get()).toBe(0);
      db.close();

      world.convex.setUnreachable(false);
      second = startCli(world, await args(world));
      const result = await second.done;
      expect(result.code, result.stderr).toBe(0);
      const comparison = compareRuns(reference, await snapshotOf(world), JOB_IDS);
      expect(comparison.problems).toEqual([]);
      expect(comparison.cutOff).toBeGreaterThan(0);
      console.log(`SIGTERM: stopped in ${stopMs} ms (flush bound ${STOP_FLUSH_MS} ms) with ${rows.length} events pending; restart delivered them, ${comparison.cutOff} turn(s) rerun`);
    } finally {
      first.killGroup();
      second?.killGroup();
      await world.close();
    }
  });
});
