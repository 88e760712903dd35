/**
 * Many sessions in one bridge process: each job runs in its own codex
 * process on its own outbox session (own seq stream, own pusher); a slow
 * thread does not hold up quick ones, and a failing one does not stop the
 * others. Also the ways to give the bridge work: `--prompt` (continued by
 * `--job-id`), a jobs file, and JSON Lines on stdin.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startScriptedModel, type ScriptedModel, type ScriptedResponse } from "../stand-ins/model-server.js";
import { createWorld, startCli, type World } from "./harness.js";
import { EVENT_DELAY_MS, jobsFile, promptResponder, type ChaosJob } from "./scenario.js";
import { readConvex } from "./snapshot.js";
import { outboxSessions } from "./verify.js";

/** One delta line bigger than the outbox cap of the OUTBOX_FULL test, in characters. */
const HUGE_DELTA_CHARS = 3_000_000;
/** Outbox cap of the OUTBOX_FULL test, in bytes. */
const SMALL_CAP_BYTES = 2_500_000;

/** Pause between SSE events of the slow thread, in ms. */
const SLOW_EVENT_DELAY_MS = 40;

const message = (text: string, eventDelayMs = EVENT_DELAY_MS): ScriptedResponse[] => [
  { outputs: [{ type: "message", text, chunks: 20 }], eventDelayMs },
];
const SCRIPTS: Record<string, ScriptedResponse[]> = {
  "slow one": message("Taking my time over this one. ".repeat(3), SLOW_EVENT_DELAY_MS),
  "slow two": message("And this one too, slowly. ".repeat(3), SLOW_EVENT_DELAY_MS),
  "quick one": message("Quick."),
  "quick two": message("Also quick."),
  "quick three": message("Quick as well."),
  "huge: one giant delta": [{ outputs: [{ type: "message", text: "z".repeat(HUGE_DELTA_CHARS), chunks: 1 }] }],
  "first": message("First answer."),
  "second": message("Second answer."),
  "third": message("Third answer."),
};

let model: ScriptedModel;
let world: World;

beforeAll(async () => {
  model = await startScriptedModel({ script: [], respond: promptResponder(SCRIPTS) });
});

afterAll(async () => {
  await model?.close();
});

type Summary = {
  drained: boolean;
  jobs: Array<{ jobId: string; sessionId: string; threadId: string | null; state: string; error: string | null; errorCode: string | null; turns: unknown[] }>;
};

describe("many sessions", () => {
  test("a slow thread does not hold up the others, and a failing one does not stop them", async () => {
    world = await createWorld(model.url);
    try {
      const jobs: ChaosJob[] = [
        { id: "slow", prompts: ["slow one", "slow two"] },
        { id: "quick-1", prompts: ["quick one"] },
        { id: "quick-2", prompts: ["quick two"] },
        { id: "quick-3", prompts: ["quick three"] },
      ];
      const file = await world.file(
        "jobs.jsonl",
        jobsFile(jobs) + JSON.stringify({ id: "broken", prompts: ["hi"], cwd: "/nonexistent/codex-convex" }) + "\n",
      );
      const cli = startCli(world, ["bridge", "--jobs", file, "--max-threads", "5", "--json", "--no-status", "--log-level", "info"]);
      const result = await cli.done;
      cli.killGroup();
      expect(result.code, result.stderr).toBe(1); // one job failed
      const summary = JSON.parse(result.stdout) as Summary;
      const states = Object.fromEntries(summary.jobs.map((job) => [job.jobId, job.state]));
      expect(states).toEqual({ slow: "completed", "quick-1": "completed", "quick-2": "completed", "quick-3": "completed", broken: "failed" });
      expect(summary.jobs.find((job) => job.jobId === "broken")?.error).toMatch(/does not exist/);
      expect(summary.drained).toBe(true);

      // Quick threads finished while the slow one was still at work.
      const order = [...result.stderr.matchAll(/job (\S+): turn (\d+)\/(\d+) completed/g)].map((m) => `${m[1]} ${m[2]}/${m[3]}`);
      expect(order.at(-1)).toBe("slow 2/2");
      expect(order.indexOf("slow 1/2")).toBeGreaterThan(-1);
      for (const quick of ["quick-1 1/1", "quick-2 1/1", "quick-3 1/1"]) expect(order.indexOf(quick)).toBeLessThan(order.indexOf("slow 2/2"));

      // One session (one seq stream) per job, each fully acknowledged (besides the shared codex's bridge-level session).
      const sessions = outboxSessions(world.outboxPath).filter((s) => !s.jobId?.startsWith("shared-codex-"));
      const snap = await readConvex(world.t);
      expect(new Set(sessions.map((s) => s.jobId))).toEqual(new Set(["slow", "quick-1", "quick-2", "quick-3", "broken"]));
      for (const session of sessions) expect(snap.ackedSeq[session.sessionId] ?? 0).toBe(session.lastSeq);
      expect(snap.threads.filter((t) => t.turns.length > 0)).toHaveLength(4);
    } finally {
      await world.close();
    }
  });

  test("OUTBOX_FULL: the job that meets the cap stops cleanly with its turn recorded failed; the others go on", async () => {
    world = await createWorld(model.url);
    try {
      const file = await world.file("jobs.jsonl", jobsFile([{ id: "huge", prompts: ["huge: one giant delta"] }, { id: "quick", prompts: ["quick one"] }]));
      const cli = startCli(world, ["bridge", "--jobs", file, "--max-pending-bytes", String(SMALL_CAP_BYTES), "--json", "--no-status"]);
      const result = await cli.done;
      cli.killGroup();
      expect(result.code).toBe(1);
      const summary = JSON.parse(result.stdout) as Summary;
      const huge = summary.jobs.find((job) => job.jobId === "huge");
      expect(huge).toMatchObject({ state: "failed", errorCode: "OUTBOX_FULL" });
      expect(huge?.error).toMatch(/would pass its limit of 2500000 bytes/);
      expect(summary.jobs.find((job) => job.jobId === "quick")?.state).toBe("completed");
      expect(summary.drained).toBe(true);
      const snap = await readConvex(world.t);
      const failed = snap.threads.find((t) => t.threadId === huge?.threadId)?.turns[0];
      expect(failed).toMatchObject({ status: "failed" });
      expect(failed?.error).toMatch(/outbox is full/);
    } finally {
      await world.close();
    }
  });

  test("--prompt with --job-id continues the same thread when given more prompts, and skips a finished job", async () => {
    world = await createWorld(model.url);
    try {
      const base = ["bridge", "--job-id", "chat", "--json", "--no-status"];
      const first = await startCli(world, [...base, "--prompt", "first", "--prompt", "second"]).done;
      expect(first.code, first.stderr).toBe(0);
      const more = await startCli(world, [...base, "--prompt", "first", "--prompt", "second", "--prompt", "third"]).done;
      expect(more.code, more.stderr).toBe(0);
      const again = await startCli(world, [...base, "--prompt", "first", "--prompt", "second", "--prompt", "third"]).done;
      expect(JSON.parse(again.stdout).jobs[0].state).toBe("skipped");
      const changed = await startCli(world, [...base, "--prompt", "other", "--prompt", "second", "--prompt", "third", "--prompt", "x"]).done;
      expect(changed.code).toBe(1);
      expect(changed.stdout + changed.stderr).toMatch(/prompt 1 differs/);

      const summaries = [first, more].map((r) => JSON.parse(r.stdout) as Summary);
      expect(summaries[1]?.jobs[0]).toMatchObject({ sessionId: summaries[0]?.jobs[0]?.sessionId, threadId: summaries[0]?.jobs[0]?.threadId });
      expect(summaries[1]?.jobs[0]?.turns).toHaveLength(1);
      const snap = await readConvex(world.t);
      const thread = snap.threads.find((t) => t.threadId === summaries[0]?.jobs[0]?.threadId);
      expect(thread?.turns.map((t) => [t.status, t.messages.find((m) => m.kind === "agentMessage")?.text])).toEqual([
        ["completed", "First answer."],
        ["completed", "Second answer."],
        ["completed", "Third answer."],
      ]);
    } finally {
      await world.close();
    }
  });

  test("--jobs - reads jobs from stdin as they arrive", async () => {
    world = await createWorld(model.url);
    try {
      const cli = startCli(world, ["bridge", "--jobs", "-", "--json", "--no-status"]);
      cli.child.stdin.write(`${JSON.stringify({ id: "a", prompts: ["quick one"] })}\n`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      cli.child.stdin.write(`not json\n${JSON.stringify({ id: "b", prompts: ["quick two"] })}\n`);
      cli.child.stdin.end();
      const result = await cli.done;
      expect(result.code).toBe(1); // the bad line counts as a failure, the jobs still run
      expect(result.stderr).toMatch(/stdin:2: not JSON/);
      const summary = JSON.parse(result.stdout) as Summary;
      expect(summary.jobs.map((job) => [job.jobId, job.state]).sort()).toEqual([["a", "completed"], ["b", "completed"]]);
    } finally {
      await world.close();
    }
  });

  test("--keep-alive keeps running after its jobs, until SIGTERM", async () => {
    world = await createWorld(model.url);
    try {
      const cli = startCli(world, ["bridge", "--prompt", "quick one", "--keep-alive", "--json", "--no-status", "--log-level", "info"]);
      while (!/turn 1\/1 completed/.test(cli.output().stderr)) {
        expect(cli.child.exitCode).toBeNull();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(cli.child.exitCode).toBeNull();
      cli.kill("SIGTERM");
      const result = await cli.done;
      expect(result.code).toBe(143);
      expect(JSON.parse(result.stdout)).toMatchObject({ drained: true, stoppedBy: "SIGTERM", jobs: [{ state: "completed" }] });
    } finally {
      await world.close();
    }
  });
});
