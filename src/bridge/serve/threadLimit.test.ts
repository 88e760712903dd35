/**
 * `--max-threads` counts jobs and browser threads together (serve mode beside
 * `--jobs`): with one slot, a browser thread waits while a job runs, and a job
 * takes the slot of an idle browser thread; never two codex at once.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { promptResponder } from "../../../test/chaos/scenario.js";
import type { ScriptedResponse } from "../../../test/stand-ins/model-server.js";
import { HEAVY_TEST_TIMEOUT_MS } from "../../../test/support/component.js";
import { appServerChildren } from "../../../test/support/procChildren.js";
import { createServeWorld, type ServeWorld } from "../../../test/support/serveWorld.js";
import type { Job } from "../jobs/jobs.js";

/** Pause between the slow job's SSE events, in ms. */
const SLOW_EVENT_DELAY_MS = 40;
/** How often the test counts codex processes, in ms. */
const COUNT_EVERY_MS = 20;

const SCRIPTS: Record<string, ScriptedResponse[]> = {
  "a slow job": [{ outputs: [{ type: "message", text: "A job taking its time. ".repeat(4), chunks: 30 }], eventDelayMs: SLOW_EVENT_DELAY_MS }],
  "a quick job": [[{ type: "message", text: "Quick job.", chunks: 2 }]],
  "a browser thread": [[{ type: "message", text: "Browser thread.", chunks: 2 }]],
};

/** Jobs given one at a time, as from `--jobs -`. */
class JobFeed implements AsyncIterable<Job> {
  private readonly queue: Job[] = [];
  private wake: (() => void) | null = null;
  private ended = false;
  push(job: Job): void {
    this.queue.push(job);
    this.wake?.();
  }
  end(): void {
    this.ended = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<Job> {
    for (;;) {
      const job = this.queue.shift();
      if (job) yield job;
      else if (this.ended) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

let world: ServeWorld;
const feed = new JobFeed();
let maxCodex = 0;
let counting: ReturnType<typeof setInterval>;

beforeAll(async () => {
  world = await createServeWorld({ model: { script: [], respond: promptResponder(SCRIPTS) }, maxThreads: 1, jobs: feed });
  counting = setInterval(() => (maxCodex = Math.max(maxCodex, appServerChildren(process.pid).length)), COUNT_EVERY_MS);
}, 60_000);

afterAll(async () => {
  clearInterval(counting);
  feed.end();
  await world?.close();
}, 60_000);

function jobState(id: string): string | undefined {
  return world.bridge.snapshot().jobs.find((job) => job.id === id)?.state;
}

describe("--max-threads 1 with jobs and browser threads", () => {
  test(
    "a browser thread waits while a job runs; a job takes an idle browser thread's slot",
    async () => {
      feed.push({ id: "slow", prompts: ["a slow job"], cwd: world.workspace });
      await world.host.waitFor(() => world.bridge.snapshot().jobs.some((job) => job.id === "slow" && job.codexPid !== undefined), 60_000, "the job's codex");
      const commandId = world.host.queue("startThread", { workspaceId: world.workspaceId, prompt: "a browser thread" });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The job still runs (its answer takes 30 × 40 ms), so the browser thread must still wait.
      expect(jobState("slow")).toBe("running");
      expect(world.host.commands.get(commandId)?.status).toBe("queued");
      const command = await world.host.finished(commandId, 60_000);
      expect(command.status, JSON.stringify(command.error)).toBe("done");
      expect(jobState("slow")).toBe("completed");
      await world.host.waitFor(() => world.loop.runningThreadIds().length === 1 && world.notifications.some((n) => n.method === "turn/completed"), 60_000, "the thread's turn");

      // The browser thread is idle now and holds the only slot: a new job takes it.
      feed.push({ id: "quick", prompts: ["a quick job"], cwd: world.workspace });
      await world.host.waitFor(() => jobState("quick") === "completed", 60_000, "the quick job");
      expect(world.loop.runningThreadIds()).toEqual([]);
      expect(maxCodex).toBe(1);
    },
    HEAVY_TEST_TIMEOUT_MS,
  );
});
