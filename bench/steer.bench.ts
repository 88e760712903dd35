/**
 * Latency of the return path (browser → desktop), real codex binary and
 * scripted model, the serve loop against the in-memory fake command host
 * (the WebSocket stand-in is not in this measurement; its hop is added by the
 * end-to-end bench once wired):
 *
 * - queued → `turn/started`: from the browser's command being queued to codex
 *   reporting the turn it started for it (codex received `turn/start`), for a
 *   message on a thread whose codex runs (warm) and for a new thread (cold:
 *   includes spawning codex and `thread/start`);
 * - interrupt → `turn/completed`: from the interrupt command being queued, and
 *   from the bridge's report that codex answered `turn/interrupt`, to codex's
 *   `turn/completed` (status `interrupted`) of a streaming turn.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/steer.bench.ts
 */
import { pathToFileURL } from "node:url";
import { promptResponder } from "../test/chaos/scenario.js";
import { createServeWorld, type ServeWorld } from "../test/support/serveWorld.js";

/** Messages measured on a warm thread. */
const WARM_RUNS = 20;
/** New threads measured (each spawns codex). */
const COLD_RUNS = 5;
/** Interrupts measured. */
const INTERRUPT_RUNS = 10;

const SCRIPTS = {
  quick: [[{ type: "message" as const, text: "ok", chunks: 1 }]],
  "stream slowly": [{ outputs: [{ type: "message" as const, text: "word ".repeat(400), chunks: 400 }], eventDelayMs: 20 }],
};

type Row = { measure: string; runs: number; "p50 ms": number; "p99 ms": number; "max ms": number };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? NaN) * 10) / 10;
}

function row(measure: string, values: number[]): Row {
  return { measure, runs: values.length, "p50 ms": percentile(values, 50), "p99 ms": percentile(values, 99), "max ms": percentile(values, 100) };
}

function notification(world: ServeWorld, method: string, turnId: string) {
  return world.notifications.find((n) => n.method === method && (n.params as { turn?: { id: string } }).turn?.id === turnId);
}

async function turnTimes(world: ServeWorld, commandId: string): Promise<{ started: number; completed: number; status: string; queued: number; threadId: string }> {
  const command = await world.host.finished(commandId);
  if (command.status !== "done") throw new Error(`command failed: ${JSON.stringify(command.error)}`);
  const turnId = command.result!.turnId!;
  await world.host.waitFor(() => notification(world, "turn/completed", turnId) !== undefined, 60_000, "turn/completed");
  const started = notification(world, "turn/started", turnId)!;
  const completed = notification(world, "turn/completed", turnId)!;
  const status = (completed.params as { turn: { status: string } }).turn.status;
  return { started: started.at, completed: completed.at, status, queued: command.queuedAtPerf, threadId: command.result!.threadId! };
}

/** Runs the bench and prints its table. */
export async function runSteerBench(): Promise<void> {
  const world = await createServeWorld({ model: { script: [], respond: promptResponder(SCRIPTS) }, maxThreads: COLD_RUNS + 2 });
  try {
    const cold: number[] = [];
    let threadId = "";
    for (let i = 0; i < COLD_RUNS; i++) {
      const t = await turnTimes(world, world.host.queue("startThread", { workspaceId: world.workspaceId, prompt: "quick" }));
      cold.push(t.started - t.queued);
      threadId = t.threadId;
    }
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      const t = await turnTimes(world, world.host.queue("sendMessage", { text: "quick" }, { threadId }));
      warm.push(t.started - t.queued);
    }
    const fromQueue: number[] = [];
    const fromAnswer: number[] = [];
    for (let i = 0; i < INTERRUPT_RUNS; i++) {
      const send = world.host.queue("sendMessage", { text: "stream slowly" }, { threadId });
      const turnId = (await world.host.finished(send)).result!.turnId!;
      await world.host.waitFor(() => world.notifications.filter((n) => n.method === "item/agentMessage/delta" && (n.params as { turnId: string }).turnId === turnId).length >= 5, 60_000, "deltas");
      const interrupt = world.host.queue("interruptTurn", {}, { threadId });
      const command = await world.host.finished(interrupt);
      await world.host.waitFor(() => notification(world, "turn/completed", turnId) !== undefined, 60_000, "turn/completed");
      const completed = notification(world, "turn/completed", turnId)!;
      if ((completed.params as { turn: { status: string } }).turn.status !== "interrupted") throw new Error("the turn was not interrupted");
      fromQueue.push(completed.at - command.queuedAtPerf);
      fromAnswer.push(completed.at - (command.finishedAtPerf ?? completed.at));
    }
    console.log("Return path latency (serve loop + real codex, fake command host in process)");
    console.table([
      row("queued → turn/started, warm thread", warm),
      row("queued → turn/started, new thread (spawns codex)", cold),
      row("interrupt queued → turn/completed", fromQueue),
      row("interrupt reported done → turn/completed", fromAnswer),
    ]);
  } finally {
    await world.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runSteerBench();
