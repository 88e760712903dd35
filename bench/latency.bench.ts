/**
 * From a delta leaving codex to it being readable through `listMessages`, in
 * process: a stand-in for codex appends the lines of a real codex 0.169 agent
 * message (test/support/codexFeeds.ts) to the SQLite outbox one per
 * {@link EMIT_INTERVAL_MS}, as the bridge stores each line it reads, and kicks
 * the `Pusher`, which pushes to the component run by convex-test (no network);
 * a reader polls `listMessages` with the stream's deltas from its cursor, one
 * poll after the other, as a client's subscription would be re-run. A delta's
 * latency is the time from its append to the end of the first poll that
 * returned it. Reported: p50 and p99 over every delta, with and without the
 * bridge coalescing deltas by stream.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/latency.bench.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Outbox } from "../src/bridge/outbox/outbox.js";
import { Pusher } from "../src/bridge/push/pusher.js";
import { api } from "../example/convex/_generated/api.js";
import { agentMessageFeed } from "../test/support/codexFeeds.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";
import { ConvexTestTransport, LOCAL_USER } from "../test/stand-ins/convexTestTransport.js";

/** Deltas in the streamed message. */
const DELTAS = 2_000;
/** Time between two lines leaving codex, in ms (a model streaming at its own pace). */
const EMIT_INTERVAL_MS = 1;
/** Longest a run may take, in ms. */
const RUN_TIMEOUT_MS = 300_000;

type Result = { coalescing: string; deltas: number; pushes: number; polls: number; "p50 ms": number; "p99 ms": number; "max ms": number };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function run(dir: string, coalesce: boolean): Promise<Result> {
  const t = createConvexApp();
  const transport = new ConvexTestTransport(t);
  const reader = t.withIdentity(LOCAL_USER);
  const outbox = Outbox.open(join(dir, `${coalesce ? "on" : "off"}.db`));
  const sessionId = outbox.createSession();
  const pusher = new Pusher({ outbox, transport, sessionId, coalesceDeltas: coalesce });
  await pusher.start();
  const { events } = agentMessageFeed(DELTAS);
  const lines = events.map((e) => e.line);
  const threadId = (JSON.parse(lines.find((l) => l.includes('"thread/started"'))!) as { params: { thread: { id: string } } }).params.thread.id;
  const firstDelta = lines.findIndex((l) => l.includes('"item/agentMessage/delta"'));
  const emittedAt: number[] = []; // by delta index (= stream cursor)
  const readAt: number[] = [];

  const emit = (async () => {
    for (let i = 0; i < lines.length; i++) {
      outbox.append(sessionId, [{ origin: "codex", line: lines[i]! }]);
      if (i >= firstDelta && lines[i]!.includes('"item/agentMessage/delta"')) emittedAt.push(performance.now());
      pusher.kick();
      await new Promise((resolve) => setTimeout(resolve, EMIT_INTERVAL_MS));
    }
  })();

  let polls = 0;
  const read = (async () => {
    let streamId: string | null = null;
    let cursor = 0;
    const deadline = performance.now() + RUN_TIMEOUT_MS;
    while (readAt.length < DELTAS) {
      if (performance.now() > deadline) throw new Error(`latency run timed out with ${readAt.length} of ${DELTAS} deltas read`);
      polls += 1;
      if (streamId === null) {
        const r = await reader.query(api.codex.listMessages, { threadId, paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "list" } }).catch(() => null);
        streamId = r?.streams?.kind === "list" ? (r.streams.streams[0]?.streamId ?? null) : null;
        if (streamId === null) await new Promise((resolve) => setTimeout(resolve, 1));
        continue;
      }
      const r = await reader.query(api.codex.listMessages, {
        threadId,
        paginationOpts: { numItems: 20, cursor: null },
        streamArgs: { kind: "deltas", cursors: [{ streamId, cursor }] },
      });
      const now = performance.now();
      const next = r.streams?.kind === "deltas" ? (r.streams.nextCheckpoints[0]?.cursor ?? cursor) : cursor;
      for (let i = cursor; i < next; i++) readAt[i] = now;
      if (next === cursor) await new Promise((resolve) => setImmediate(resolve));
      cursor = next;
    }
  })();

  await Promise.all([emit, read]);
  const flushed = await pusher.flush({ timeoutMs: RUN_TIMEOUT_MS });
  const stats = pusher.stats();
  await pusher.stop();
  outbox.close();
  if (!flushed.drained) throw new Error(`push did not drain: ${JSON.stringify(flushed)}`);
  const latencies = emittedAt.map((at, i) => (readAt[i] ?? NaN) - at).sort((a, b) => a - b);
  return {
    coalescing: coalesce ? "on" : "off",
    deltas: latencies.length,
    pushes: stats.pushes,
    polls,
    "p50 ms": Number(percentile(latencies, 50).toFixed(1)),
    "p99 ms": Number(percentile(latencies, 99).toFixed(1)),
    "max ms": Number((latencies.at(-1) ?? NaN).toFixed(1)),
  };
}

/** Runs without and with coalescing and prints one table. */
export async function runLatencyBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latency-bench-"));
  const rows: Result[] = [];
  try {
    for (const coalesce of [false, true]) rows.push(await run(dir, coalesce));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `Delta leaving codex → readable through listMessages (in process: outbox → Pusher → convex-test → polling reader; ` +
      `${DELTAS} deltas of 8 B, one line per ${EMIT_INTERVAL_MS} ms)`,
  );
  console.table(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runLatencyBench();
  process.exit(0); // convex-test keeps timers of scheduled functions (idle watchdogs) alive
}
