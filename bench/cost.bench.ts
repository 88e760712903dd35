/**
 * What a streamed thread costs in Convex, side by side: our component (with and
 * without the bridge coalescing deltas by stream) and
 * `@zakstam/codex-local-component@0.19.1`, both under convex-test, fed the same
 * real codex 0.169 lines through each one's own ingest mutation in batches of
 * {@link BATCH_EVENTS} lines, and counted the same way by `meter.ts`:
 *
 * - written: every `insert`/`patch`/`replace` counts one document and
 *   `getConvexSize` of the document after the write; deletes are counted apart;
 * - read: every document a function reads (get, query rows, the document a
 *   patch or delete reads first) counts one document and its size;
 * - largest document: the largest size any write produced.
 *
 * Scheduled work is included: each case runs, after its last batch, every
 * function scheduled within {@link HORIZON_MS} (our compaction a minute after a
 * stream ends, their finished-stream cleanup after five), as if that time had
 * passed; idle watchdogs and day-long expiry are left out (`deferredTimers.ts`).
 *
 * Paced cases: the same agent-message feed, but the component's clock moves at
 * a model's pace between batches instead of standing still while the bench
 * pushes them back to back: `Date.now` (which the component and convex-test's
 * scheduler read) is a virtual clock in the bench process, advanced before
 * each batch by (its delta events) / (deltas per second), and every scheduled
 * function that falls due on the way (the session and turn watchdogs) runs at
 * its due time and is counted (`DeferredTimers.advance`). What a batch writes
 * that depends on elapsed time (a restamp of the session or of a turn) shows
 * up here and not back to back. Ours only: theirs is fed back to back.
 *
 * Feeds (test/support/codexFeeds.ts): recorded codex lines, re-sequenced, with
 * generated text deltas of 8 bytes (command output: 8 KiB) and `emittedAtMs`
 * 1 ms apart (a model streaming at its own pace). "Text bytes" are the bytes of
 * streamed delta text; "B written / text B" is (bytes written − bytes written
 * for the same feed with no deltas) / text bytes: what the text itself costs.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/cost.bench.ts
 *   COST_SUBJECTS=ours COST_PARTS=writes npx tsx bench/cost.bench.ts   (ours alone, writes only: ~1 min)
 *
 * The bytes each subject wrote, by table, go to stderr per case: they say where the bytes go.
 */
import { pathToFileURL } from "node:url";
import type { CodexEvent } from "../src/shared/validators.js";
import {
  agentMessageFeed,
  commandOutputFeed,
  mixedThreadFeed,
  parallelCommandsFeed,
  threadFeed,
} from "../test/support/codexFeeds.js";
import { DeferredTimers } from "./deferredTimers.js";
import { installMeter, measure, type Usage } from "./meter.js";
import { OurApp } from "./ours.js";
import { TheirApp } from "./theirs.js";

/** Codex lines per ingest call, for every subject. */
export const BATCH_EVENTS = 32;
/** Scheduled work run after a case: due within 5 min + 1 s of its last batch. */
const HORIZON_MS = 5 * 60_000 + 1_000;
/** Messages per page in the page reads. */
const PAGE_ITEMS = 50;
/** Deltas per second of the paced cases (a model's pace: 50 is a slow model, 200 a fast one). */
const PACED_DELTAS_PER_S = [50, 200];
/** Delta counts of the paced cases. */
const PACED_DELTA_COUNTS = [10_000, 100_000];
/** Turns of the 2,000-message thread (two messages each). */
const LONG_THREAD_TURNS = 1_000;
/** Wall-clock budget for building the long thread in their component (its ingest reads grow with the thread's turns). */
const LONG_THREAD_BUDGET_MS = 300_000;
/** Streams, bytes each and delta size of the many-cursors read. */
const PARALLEL_STREAMS = 64;
const PARALLEL_STREAM_BYTES = 256 * 1024;
const PARALLEL_DELTA_BYTES = 8 * 1024;

type SubjectName = "ours" | "ours+coalesce" | "theirs";
const ALL_SUBJECTS: SubjectName[] = ["ours", "ours+coalesce", "theirs"];
/** The subjects measured: all, or those named in `COST_SUBJECTS` (comma-separated, e.g. `COST_SUBJECTS=ours` for a quick run of ours alone). */
const SUBJECTS: SubjectName[] = process.env.COST_SUBJECTS ? ALL_SUBJECTS.filter((name) => process.env.COST_SUBJECTS!.split(",").includes(name)) : ALL_SUBJECTS;
/** `COST_PARTS=writes`, `paced` or `reads` (comma-separated) runs only those parts of the bench; all by default. */
const PARTS = process.env.COST_PARTS ?? "writes,paced,reads";

/** One app of either component, behind one shape. */
type Subject = {
  name: SubjectName;
  settle: () => Promise<void>;
  ingest: (events: readonly CodexEvent[]) => Promise<void>;
};

const timers = new DeferredTimers();

function threadIdOf(events: readonly CodexEvent[]): string {
  const line = events.find((e) => e.line.includes('"method":"thread/started"'))!.line;
  return (JSON.parse(line) as { params: { thread: { id: string } } }).params.thread.id;
}

function turnIdOf(events: readonly CodexEvent[]): string {
  const line = events.find((e) => e.line.includes('"method":"turn/started"'))!.line;
  return (JSON.parse(line) as { params: { turn: { id: string } } }).params.turn.id;
}

/** Delta events (`…/delta` notifications) among `rows`. */
const deltaEvents = (rows: readonly CodexEvent[]) => rows.filter((e) => e.line.includes('/delta"')).length;

/**
 * Opens a fresh app of `name` for `events`.
 * @param pace - Deltas per second: before each batch the virtual clock advances by its deltas at that pace (ours only); undefined: back to back.
 */
async function open(name: SubjectName, events: readonly CodexEvent[], budgetMs = Infinity, pace?: number): Promise<{ subject: Subject; ours?: OurApp; theirs?: TheirApp }> {
  const threadId = threadIdOf(events);
  if (name === "theirs") {
    const app = new TheirApp();
    installMeter();
    await app.start(threadId);
    const subject = {
      name,
      settle: () => app.t.finishAllScheduledFunctions(() => {}, 10_000),
      ingest: (e: readonly CodexEvent[]) => app.ingest(threadId, e, BATCH_EVENTS, budgetMs),
    };
    return { subject, theirs: app };
  }
  const app = new OurApp(name === "ours+coalesce");
  installMeter();
  await app.start();
  const settle = () => app.t.finishAllScheduledFunctions(() => {}, 10_000);
  const paced = pace === undefined ? undefined : async (rows: readonly CodexEvent[]) => void (await timers.advance((deltaEvents(rows) / pace) * 1000, settle));
  const subject = {
    name,
    settle,
    ingest: (e: readonly CodexEvent[]) => app.ingest(e, BATCH_EVENTS, paced),
  };
  return { subject, ours: app };
}

/** Ingests `events` into a fresh app of `name` and runs its scheduled work; returns what it all wrote and read. */
async function writeCost(name: SubjectName, events: readonly CodexEvent[], pace?: number): Promise<Usage> {
  const { subject } = await open(name, events, Infinity, pace);
  const { usage } = await measure(async () => {
    await subject.ingest(events);
    await timers.drain(HORIZON_MS, subject.settle);
  });
  return usage;
}

type Cell = number | string;
type Row = { case: string; measure: string } & Partial<Record<SubjectName, Cell>> & { "ours/theirs"?: string; "ours+coalesce/theirs"?: string };

function ratio(a: Cell | undefined, b: Cell | undefined): string {
  return typeof a === "number" && typeof b === "number" && b > 0 ? `${(a / b).toFixed(2)}×` : "—";
}

function row(caseName: string, measureName: string, cells: Partial<Record<SubjectName, Cell>>): Row {
  return { case: caseName, measure: measureName, ...cells, "ours/theirs": ratio(cells.ours, cells.theirs), "ours+coalesce/theirs": ratio(cells["ours+coalesce"], cells.theirs) };
}

/** A progress line on stderr (the tables go to stdout). */
const progress = (text: string) => console.error(`  ${text}`);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
/** A failed case's cell: the error, shortened (the whole message goes to stderr). */
const errorCell = (error: unknown) => `fails: ${((error as Error).message ?? String(error)).replace(/^their ingestSafe rejected a batch: /, "").slice(0, 110)}`;

/** Write rows of one workload: its feed, the same feed without deltas (baseline), and the text bytes. */
async function writeRows(caseName: string, feed: readonly CodexEvent[], baseline: readonly CodexEvent[], textBytes: number, pace?: number): Promise<Row[]> {
  const cells: Record<string, Partial<Record<SubjectName, Cell>>> = { written: {}, perText: {}, docs: {}, deletes: {}, read: {}, largest: {} };
  for (const name of pace === undefined ? SUBJECTS : SUBJECTS.filter((n) => n !== "theirs")) {
    const caseStarted = performance.now();
    try {
      const base = await writeCost(name, baseline, pace);
      const usage = await writeCost(name, feed, pace);
      cells.written![name] = usage.bytesWritten;
      cells.perText![name] = round((usage.bytesWritten - base.bytesWritten) / textBytes, 2);
      cells.docs![name] = usage.documentsWritten;
      cells.deletes![name] = usage.deletes;
      cells.read![name] = usage.documentsRead;
      cells.largest![name] = usage.largestDocument.bytes;
      console.error(
        `  ${caseName} / ${name}: ${((performance.now() - caseStarted) / 1000).toFixed(0)} s (largest document in ${usage.largestDocument.table}); ` +
          `bytes written by table: ${Object.entries(usage.byTable).map(([table, w]) => `${table} ${w.bytes} B/${w.documents}`).join(", ")}`,
      );
    } catch (error) {
      console.error(`  ${caseName} / ${name}: ${(error as Error).message ?? String(error)}`);
      for (const key of Object.keys(cells)) cells[key]![name] = key === "written" ? errorCell(error) : "fails";
    }
  }
  return [
    row(caseName, `bytes written (text: ${textBytes} B)`, cells.written!),
    row(caseName, "B written / text B", cells.perText!),
    row(caseName, "documents written", cells.docs!),
    row(caseName, "documents deleted", cells.deletes!),
    row(caseName, "documents read (ingest)", cells.read!),
    row(caseName, "largest document (B)", cells.largest!),
  ];
}

/** The events before the last item's completion: what a live reader sees mid-stream. */
function beforeCompletion(events: readonly CodexEvent[], itemId: string): CodexEvent[] {
  const end = events.findIndex((e) => e.line.includes('"method":"item/completed"') && e.line.includes(`"id":"${itemId}"`));
  return events.slice(0, end);
}

const readCell = (u: Usage) => `${u.documentsRead} docs / ${u.bytesRead} B`;

/** Read rows: pages of a long thread, a live poll, a replay from 0, many cursors. */
async function readRows(): Promise<Row[]> {
  const rows: Row[] = [];
  const first: Partial<Record<SubjectName, Cell>> = {};
  const tenth: Partial<Record<SubjectName, Cell>> = {};
  const longThread = threadFeed(LONG_THREAD_TURNS);
  const threadId = threadIdOf(longThread);
  for (const name of SUBJECTS) {
    try {
      const { subject, ours, theirs } = await open(name, longThread, LONG_THREAD_BUDGET_MS);
      const built = await measure(() => subject.ingest(longThread));
      progress(`long thread built / ${name}: ${built.usage.documentsRead} documents read by ingest`);
      await timers.drain(HORIZON_MS, subject.settle);
      const page = (cursor: string | null) =>
        ours ? ours.listPage(threadId, PAGE_ITEMS, cursor).then((p) => p.continueCursor) : theirs!.listPage(threadId, PAGE_ITEMS, cursor).then((p) => p.continueCursor);
      const one = await measure(() => page(null));
      first[name] = readCell(one.usage);
      let cursor: string | null = one.result;
      for (let i = 2; i < 10; i++) cursor = await page(cursor);
      tenth[name] = readCell((await measure(() => page(cursor))).usage);
    } catch (error) {
      progress(`long thread / ${name}: ${(error as Error).message}`);
      first[name] = tenth[name] = errorCell(error);
    }
  }
  rows.push(row(`thread of ${2 * LONG_THREAD_TURNS} messages`, `first page (${PAGE_ITEMS})`, first));
  rows.push(row(`thread of ${2 * LONG_THREAD_TURNS} messages`, "page 10", tenth));

  // A 10,000-delta agent message still streaming: a live poll one batch behind, and a second device from cursor 0.
  const live = beforeCompletion(agentMessageFeed(10_000).events, "msg_2");
  const liveThread = threadIdOf(live);
  const poll: Partial<Record<SubjectName, Cell>> = {};
  const replay: Partial<Record<SubjectName, Cell>> = {};
  const replayCalls: Partial<Record<SubjectName, Cell>> = {};
  for (const name of SUBJECTS) {
    try {
      const { subject, ours, theirs } = await open(name, live);
      await subject.ingest(live);
      if (ours) {
        const [stream] = await ours.liveStreams(liveThread);
        if (!stream) throw new Error("no live stream");
        poll[name] = readCell((await measure(() => ours.poll(liveThread, 20, [{ streamId: stream.streamId, cursor: Math.max(0, stream.nextCursor - BATCH_EVENTS) }]))).usage);
        const { result, usage } = await measure(async () => {
          let cursor = 0;
          let calls = 0;
          for (;;) {
            calls += 1;
            const r = await ours.poll(liveThread, 0, [{ streamId: stream.streamId, cursor }]);
            const next = r.streams?.kind === "deltas" ? (r.streams.nextCheckpoints[0]?.cursor ?? cursor) : cursor;
            if (next === cursor || next >= stream.nextCursor) return calls;
            cursor = next;
          }
        });
        replay[name] = readCell(usage);
        replayCalls[name] = result;
      } else {
        const app = theirs!;
        const streamId = `${liveThread}:${turnIdOf(live)}:0`;
        poll[name] = readCell(
          (
            await measure(async () => {
              await app.listPage(liveThread, 20, null);
              await app.replay(liveThread, [{ streamId, cursor: Math.max(0, app.cursor - BATCH_EVENTS) }]);
            })
          ).usage,
        );
        const { result, usage } = await measure(async () => {
          let cursor = 0;
          let calls = 0;
          for (;;) {
            calls += 1;
            const r = await app.replay(liveThread, [{ streamId, cursor }]);
            const next = r.nextCheckpoints.find((c) => c.streamId === streamId)?.cursor ?? cursor;
            if (next === cursor || next >= app.cursor) return calls;
            cursor = next;
          }
        });
        replay[name] = readCell(usage);
        replayCalls[name] = result;
      }
      progress(`live message reads / ${name}: done`);
    } catch (error) {
      progress(`live message reads / ${name}: ${(error as Error).message}`);
      poll[name] = replay[name] = replayCalls[name] = errorCell(error);
    }
  }
  rows.push(row("agent message, 10,000 deltas, streaming", "live poll (page of 20 + deltas of the last batch)", poll));
  rows.push(row("agent message, 10,000 deltas, streaming", "second device from cursor 0: reads", replay));
  rows.push(row("agent message, 10,000 deltas, streaming", "second device from cursor 0: calls", replayCalls));

  // Many cursors: 64 commands streaming 256 KiB each at once, all read from cursor 0 in one call.
  const parallel = parallelCommandsFeed(PARALLEL_STREAMS, PARALLEL_STREAM_BYTES, PARALLEL_DELTA_BYTES);
  const parallelThread = threadIdOf(parallel);
  const many: Partial<Record<SubjectName, Cell>> = {};
  for (const name of SUBJECTS) {
    try {
      const { subject, ours, theirs } = await open(name, parallel);
      await subject.ingest(parallel);
      if (ours) {
        const streams = await ours.liveStreams(parallelThread);
        const { result, usage } = await measure(() => ours.poll(parallelThread, 0, streams.map((s) => ({ streamId: s.streamId, cursor: 0 }))));
        const chars = result.streams?.kind === "deltas" ? result.streams.deltas.reduce((n, d) => n + d.text.length, 0) : 0;
        many[name] = `${streams.length} cursors: ${readCell(usage)}, answered ${chars} chars`;
      } else {
        const streamId = `${parallelThread}:${turnIdOf(parallel)}:0`;
        const { usage } = await measure(() => theirs!.replay(parallelThread, [{ streamId, cursor: 0 }]));
        many[name] = `1 stream (one per turn): ${readCell(usage)}`;
      }
      progress(`many cursors / ${name}: done`);
    } catch (error) {
      progress(`many cursors / ${name}: ${(error as Error).message}`);
      many[name] = errorCell(error);
    }
  }
  rows.push(row(`${PARALLEL_STREAMS} commands streaming ${PARALLEL_STREAM_BYTES / 1024} KiB each`, "one query, every stream from cursor 0", many));
  return rows;
}

/** Runs every workload and prints one table. */
export async function runCostBench(): Promise<void> {
  const started = performance.now();
  timers.install();
  const rows: Row[] = [];
  try {
    if (PARTS.includes("writes")) rows.push(...(await writeCases()));
    if (PARTS.includes("paced")) rows.push(...(await pacedCases()));
    if (PARTS.includes("reads")) rows.push(...(await readRows()));
  } finally {
    timers.uninstall();
  }
  console.log(
    `Cost in Convex, side by side (convex-test, batches of ${BATCH_EVENTS} codex lines; ours = this component, ` +
      `ours+coalesce = with the bridge coalescing deltas by stream, theirs = @zakstam/codex-local-component@0.19.1 with its defaults; ` +
      `scheduled work within ${HORIZON_MS / 1000} s included; ${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  console.table(rows);
}

/** The agent messages again, with the component's clock at a model's pace (virtual clock, see the top of this file). */
async function pacedCases(): Promise<Row[]> {
  const rows: Row[] = [];
  timers.freezeClock();
  try {
    for (const count of PACED_DELTA_COUNTS) {
      const { events, text } = agentMessageFeed(count);
      for (const pace of PACED_DELTAS_PER_S) {
        rows.push(...(await writeRows(`agent message, ${count} deltas of 8 B, paced at ${pace} deltas/s`, events, agentMessageFeed(0).events, text.length, pace)));
      }
    }
  } finally {
    timers.unfreezeClock();
  }
  console.error("  paced done:");
  console.error(JSON.stringify(rows));
  return rows;
}

/** The write workloads: agent messages, command outputs, a mixed thread. */
async function writeCases(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const count of [1_000, 10_000, 100_000]) {
    const { events, text } = agentMessageFeed(count);
    rows.push(...(await writeRows(`agent message, ${count} deltas of 8 B`, events, agentMessageFeed(0).events, text.length)));
  }
  for (const bytes of [1024 * 1024, 5_000_000]) {
    const { events, text } = commandOutputFeed(bytes);
    rows.push(...(await writeRows(`command output, ${bytes} B in 8 KiB deltas`, events, commandOutputFeed(0).events, text.length)));
  }
  const mixed = mixedThreadFeed(50);
  rows.push(...(await writeRows("mixed thread, 50 turns", mixed.events, mixedThreadFeed(50, false).events, mixed.textBytes)));
  console.error("  writes done:");
  console.error(JSON.stringify(rows));
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  await runCostBench();
  process.exit(0); // convex-test keeps timers of scheduled functions (idle watchdogs) alive
}
