/**
 * The pusher at a model's pace: what a streamed message costs in Convex writes
 * and how soon its deltas are readable, for the pusher pushing as soon as
 * lines are stored (linger 0, the pusher before issue 11) and with each linger.
 *
 * In process: a stand-in for codex appends the lines of a real codex 0.169
 * agent message (test/support/codexFeeds.ts; deltas of {@link DELTA_BYTES} B,
 * the median of the recorded agent message deltas) to the SQLite outbox at a
 * fixed pace (lines per second, on an absolute schedule), as the bridge stores
 * each line it reads, and kicks the `Pusher`, which pushes to the component run
 * by convex-test (no network); a reader polls `listMessages` with the stream's
 * deltas from its cursor, one poll after the other, as a client's subscription
 * would be re-run.
 *
 * Reported per pace × linger × coalescing:
 * - pushes (`Pusher.stats().pushes`, every push of the run) and deltas per
 *   push, over the pushes beyond those of the same message without deltas;
 * - bytes written per text byte: every insert/patch/replace counted with
 *   `getConvexSize` of the resulting document by `bench/meter.ts`, for the whole
 *   run (pushes and scheduled work inside it) minus the same message without
 *   deltas, divided by the text's bytes; and "marginal": minus the same message
 *   with one delta, divided by the other deltas' bytes (what each further text
 *   byte costs, without the stream's one-off setup: the rate of a long message);
 * - delta → readable p50/p99: from a delta's append to the end of the first
 *   poll that returned it.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/latency.bench.ts
 *   LATENCY_PACES=50,200 LATENCY_LINGERS_MS=0,50 npx tsx bench/latency.bench.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Outbox } from "../src/bridge/outbox/outbox.js";
import { Pusher } from "../src/bridge/push/pusher.js";
import { DEFAULT_PUSH_LINGER_MS } from "../src/bridge/push/linger.js";
import { api } from "../example/convex/_generated/api.js";
import { agentMessageFeed } from "../test/support/codexFeeds.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";
import { ConvexTestTransport, LOCAL_USER } from "../test/stand-ins/convexTestTransport.js";
import { installMeter, measure } from "./meter.js";

/** Bytes of each delta's text: the median of the agent message deltas in the recorded codex 0.169 transcripts (7 B; mean 7.6). */
const DELTA_BYTES = 7;
/** Lines per second: 1,000 (one per ms, the bench before issue 11), a fast model (200) and a slow one (50). */
const PACES = (process.env.LATENCY_PACES ?? "1000,200,50").split(",").map(Number);
/** Lingers compared, in ms: 0 is the pusher pushing as soon as lines are stored. */
const LINGERS_MS = (process.env.LATENCY_LINGERS_MS ?? [...new Set([0, 50, 100, DEFAULT_PUSH_LINGER_MS, 200])].sort((a, b) => a - b).join(",")).split(",").map(Number);
/** Deltas of the streamed message (300 × 7 B ≈ 2 KB, a few paragraphs): 0.3 s at 1,000/s, 6 s at 50/s. */
const DELTAS = Number(process.env.LATENCY_DELTAS ?? 300);
/** Longest a run may take, in ms. */
const RUN_TIMEOUT_MS = 300_000;

type Result = {
  "deltas/s": number;
  "linger ms": number;
  coalescing: string;
  deltas: number;
  pushes: number;
  "deltas/push": number;
  "B written / text B": number;
  "marginal B / text B": number;
  "p50 ms": number;
  "p99 ms": number;
};

type Config = { pace: number; lingerMs: number; coalesce: boolean };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** One message of `deltas` deltas through outbox → Pusher → convex-test, with a polling reader. */
async function stream(dir: string, config: Config, deltas: number) {
  const t = createConvexApp();
  installMeter();
  const transport = new ConvexTestTransport(t);
  const reader = t.withIdentity(LOCAL_USER);
  const outbox = Outbox.open(join(dir, `${crypto.randomUUID()}.db`));
  const sessionId = outbox.createSession();
  const pusher = new Pusher({ outbox, transport, sessionId, coalesceDeltas: config.coalesce, lingerMs: config.lingerMs });
  const { events } = agentMessageFeed(deltas, DELTA_BYTES);
  const lines = events.map((e) => e.line);
  const threadId = (JSON.parse(lines.find((l) => l.includes('"thread/started"'))!) as { params: { thread: { id: string } } }).params.thread.id;
  const emittedAt: number[] = []; // by delta index (= stream cursor)
  const readAt: number[] = [];
  const intervalMs = 1000 / config.pace;

  const { result: stats, usage } = await measure(async () => {
    await pusher.start();
    const emit = (async () => {
      const start = performance.now();
      for (let i = 0; i < lines.length; i++) {
        await sleep(start + i * intervalMs - performance.now());
        outbox.append(sessionId, [{ origin: "codex", line: lines[i]! }]);
        if (lines[i]!.includes('"item/agentMessage/delta"')) emittedAt.push(performance.now());
        pusher.kick();
      }
    })();

    const read = (async () => {
      let streamId: string | null = null;
      let cursor = 0;
      const deadline = performance.now() + RUN_TIMEOUT_MS;
      // Baselines (0 or 1 delta) are not read: a stream that short has ended before a reader could list it.
      while (deltas > 1 && readAt.length < deltas) {
        if (performance.now() > deadline) throw new Error(`latency run timed out with ${readAt.length} of ${deltas} deltas read`);
        if (streamId === null) {
          const r = await reader.query(api.codex.listMessages, { threadId, paginationOpts: { numItems: 0, cursor: null }, streamArgs: { kind: "list" } }).catch(() => null);
          streamId = r?.streams?.kind === "list" ? (r.streams.streams[0]?.streamId ?? null) : null;
          if (streamId === null) await sleep(1);
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
    if (!flushed.drained) throw new Error(`push did not drain: ${JSON.stringify(flushed)}`);
    return pusher.stats();
  });
  await pusher.stop();
  outbox.close();
  const latencies = emittedAt.map((at, i) => (readAt[i] ?? NaN) - at).sort((a, b) => a - b);
  return { stats, bytesWritten: usage.bytesWritten, latencies, textBytes: deltas * DELTA_BYTES };
}

type Baselines = { none: number; nonePushes: number; one: { bytesWritten: number; textBytes: number } };

/** The same message without deltas and with one, at `pace` (linger and coalescing change nothing there: one delta never merges, and item/completed follows it at once). */
async function baselines(dir: string, pace: number): Promise<Baselines> {
  const config = { pace, lingerMs: 0, coalesce: false };
  const none = await stream(dir, config, 0);
  const one = await stream(dir, config, 1);
  return { none: none.bytesWritten, nonePushes: none.stats.pushes, one };
}

async function run(dir: string, config: Config, baseline: Baselines): Promise<Result> {
  const deltas = DELTAS;
  const { none: baseBytes, nonePushes, one } = baseline;
  const { stats, bytesWritten, latencies, textBytes } = await stream(dir, config, deltas);
  return {
    "deltas/s": config.pace,
    "linger ms": config.lingerMs,
    coalescing: config.coalesce ? "on" : "off",
    deltas: latencies.length,
    pushes: stats.pushes,
    "deltas/push": Number((deltas / Math.max(1, stats.pushes - nonePushes)).toFixed(1)),
    "B written / text B": Number(((bytesWritten - baseBytes) / textBytes).toFixed(2)),
    "marginal B / text B": Number(((bytesWritten - one.bytesWritten) / (textBytes - one.textBytes)).toFixed(2)),
    "p50 ms": Number(percentile(latencies, 50).toFixed(1)),
    "p99 ms": Number(percentile(latencies, 99).toFixed(1)),
  };
}

/** Runs every pace × linger × coalescing and prints one table. */
export async function runLatencyBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "latency-bench-"));
  const rows: Result[] = [];
  const started = Date.now();
  try {
    for (const pace of PACES) {
      const baseline = await baselines(dir, pace);
      for (const coalesce of [false, true]) {
        for (const lingerMs of LINGERS_MS) rows.push(await run(dir, { pace, lingerMs, coalesce }, baseline));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `Pusher at a model's pace: bytes written per text byte and delta → readable through listMessages ` +
      `(in process: outbox → Pusher → convex-test → polling reader; one agent message of ${DELTAS} deltas of ${DELTA_BYTES} B at each pace; ` +
      `writes counted by bench/meter.ts: "B written / text B" minus the same message without deltas, "marginal" minus the same message with one delta ` +
      `(what each further text byte costs, without the stream's setup); linger 0 = push as soon as stored; ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
  console.table(rows);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runLatencyBench();
  process.exit(0); // convex-test keeps timers of scheduled functions (idle watchdogs) alive
}
