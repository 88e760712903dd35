/**
 * Per-event cost of a full push, outbox → Pusher → the component's
 * `ingestSafe`, through two transports side by side in one run:
 *
 * - in memory: `ConvexTestTransport`, the host app and component run by
 *   convex-test in this process (the component's own cost, no network);
 * - HTTP: `ConvexHttpTransport` (the production transport, `ConvexHttpClient`)
 *   against the loopback HTTP stand-in in front of the same kind of app.
 *
 * The workload is a streamed turn: agent-message deltas between item and turn
 * events, the shape codex prints. Each case pushes it into a fresh app.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/push.bench.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ConvexHttpTransport } from "../src/bridge/push/convexHttpTransport.js";
import { Outbox, type AppendItem } from "../src/bridge/outbox/outbox.js";
import { Pusher } from "../src/bridge/push/pusher.js";
import type { IngestTransport } from "../src/bridge/push/transport.js";
import { createConvexApp } from "../test/stand-ins/convexApp.js";
import { startConvexHttpStandIn } from "../test/stand-ins/convexHttpStandIn.js";
import { ConvexTestTransport } from "../test/stand-ins/convexTestTransport.js";
import { agentMessageLines, threadStarted, turnCompleted, turnStarted } from "../test/support/events.js";

/** Turns in the workload. */
const TURNS = 16;
/** Measured runs per case (fresh app each); the median is reported. */
const REPEATS = 3;
/** Deltas per agent message; two messages per turn. */
const DELTAS_PER_MESSAGE = 120;
/** Longest one case may take, in ms. */
const CASE_TIMEOUT_MS = 120_000;

type Row = { transport: string; coalescing: string; events: number; calls: number; "ms total": number; "µs/event": number; "× in-memory": string };

/** A thread of `turns` turns, each with two streamed agent messages. */
function workload(turns: number): AppendItem[] {
  const lines = [threadStarted("thr_bench")];
  for (let turn = 0; turn < turns; turn++) {
    const turnId = `turn_${turn}`;
    lines.push(turnStarted("thr_bench", turnId));
    for (const item of ["a", "b"]) {
      const chunks = Array.from({ length: DELTAS_PER_MESSAGE }, (_, i) => `word${i} `);
      lines.push(...agentMessageLines("thr_bench", turnId, `msg_${turn}_${item}`, chunks));
    }
    lines.push(turnCompleted("thr_bench", turnId));
  }
  return lines.map((line) => ({ origin: "codex" as const, line }));
}

/** Counts calls on the way to `inner`. */
function counting(inner: IngestTransport): IngestTransport & { calls: number } {
  const wrapper = {
    calls: 0,
    ensureSession: (args: Parameters<IngestTransport["ensureSession"]>[0]) => inner.ensureSession(args),
    ingestSafe: (args: Parameters<IngestTransport["ingestSafe"]>[0]) => {
      wrapper.calls += 1;
      return inner.ingestSafe(args);
    },
  };
  return wrapper;
}

type Measure = { events: number; calls: number; ms: number };

/** Pushes a `turns`-turn workload through `transport` into a fresh outbox session. */
async function pushAll(dir: string, transport: IngestTransport & { calls: number }, coalesce: boolean, turns: number): Promise<Measure> {
  const outbox = Outbox.open(join(dir, `${Math.random().toString(36).slice(2)}.db`));
  const sessionId = outbox.createSession();
  const items = workload(turns);
  outbox.append(sessionId, items);
  const pusher = new Pusher({ outbox, transport, sessionId, coalesceDeltas: coalesce });
  const started = performance.now();
  await pusher.start();
  const result = await pusher.flush({ timeoutMs: CASE_TIMEOUT_MS });
  const ms = performance.now() - started;
  await pusher.stop();
  outbox.close();
  if (!result.drained) throw new Error(`push did not drain: ${JSON.stringify(result)}`);
  return { events: items.length, calls: transport.calls, ms };
}

/** A fresh app behind the given kind of transport; `close` stops its server. */
async function freshTransport(kind: "memory" | "http"): Promise<{ transport: IngestTransport & { calls: number }; close: () => Promise<void> }> {
  if (kind === "memory") return { transport: counting(new ConvexTestTransport(createConvexApp())), close: async () => {} };
  const standIn = await startConvexHttpStandIn(createConvexApp());
  return { transport: counting(new ConvexHttpTransport({ url: standIn.url, authToken: "bench" })), close: () => standIn.close() };
}

/** The median of `REPEATS` runs of one case, after the warm-up. */
async function measure(dir: string, kind: "memory" | "http", coalesce: boolean): Promise<Omit<Row, "× in-memory">> {
  const runs: Measure[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const { transport, close } = await freshTransport(kind);
    try {
      runs.push(await pushAll(dir, transport, coalesce, TURNS));
    } finally {
      await close();
    }
  }
  const median = runs.sort((a, b) => a.ms - b.ms)[Math.floor(REPEATS / 2)] as Measure;
  return {
    transport: kind === "memory" ? "in-memory (convex-test)" : "HTTP (loopback stand-in)",
    coalescing: coalesce ? "on" : "off",
    events: median.events,
    calls: median.calls,
    "ms total": Math.round(median.ms),
    "µs/event": Number(((median.ms * 1_000) / median.events).toFixed(1)),
  };
}

/** Runs both transports, with and without coalescing, and prints one table. */
export async function runPushBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "push-bench-"));
  const rows: Array<Omit<Row, "× in-memory">> = [];
  try {
    for (const kind of ["memory", "http"] as const) {
      const { transport, close } = await freshTransport(kind); // warm-up: module loading, JIT, sockets
      await pushAll(dir, transport, false, 1).finally(close);
    }
    for (const coalesce of [false, true]) {
      rows.push(await measure(dir, "memory", coalesce));
      rows.push(await measure(dir, "http", coalesce));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = (coalescing: string) => rows.find((r) => r.coalescing === coalescing && r.transport.startsWith("in-memory"))?.["µs/event"] ?? 1;
  console.log(
    `Full push per event: outbox → Pusher → ingestSafe (${rows[0]?.events} events: ${TURNS} turns of streamed messages; ` +
      `fresh app per run, median of ${REPEATS} after a warm-up; × in-memory compares like with like)`,
  );
  console.table(rows.map((r) => ({ ...r, "× in-memory": `${(r["µs/event"] / base(r.coalescing)).toFixed(2)}×` })));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runPushBench();
