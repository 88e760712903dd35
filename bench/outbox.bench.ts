/**
 * Outbox and pusher throughput, printed as a table.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/outbox.bench.ts
 *
 * Append: one line per transaction vs 64 per transaction, with
 * `synchronous = NORMAL` (survives a process crash) vs `FULL` (survives power
 * loss: one fsync per commit). Push: outbox → Pusher → an in-memory transport
 * with the component's seq rules, with and without delta coalescing; this
 * measures the bridge's own cost per event (SQLite read, ack, prune, JSON), not
 * the network. Each case stops at its event count or its time budget, so the
 * whole run stays well under 30 s even on slow disks.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { IngestResult, SessionState } from "../src/shared/validators.js";
import { Outbox, type AppendItem, type OutboxSynchronous } from "../src/bridge/outbox/outbox.js";
import { Pusher } from "../src/bridge/push/pusher.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "../src/bridge/push/transport.js";

/** Most events one append case writes. */
const APPEND_MAX_EVENTS = 50_000;
/** Wall-clock budget of one append case, in ms. */
const APPEND_BUDGET_MS = 2_500;
/** Lines per transaction in the batched append cases. */
const APPEND_BATCH_LINES = 64;
/** Events pushed in each push case. */
const PUSH_EVENTS = 30_000;
/** Longest a push case may take before the bench gives up, in ms. */
const PUSH_TIMEOUT_MS = 20_000;

type Row = {
  case: string;
  events: number;
  "ms total": number;
  "events/s": number;
  "µs/event": number;
  "× baseline": string;
};

/** A minimal in-memory ingestSafe with the component's seq rules. */
class MemoryTransport implements IngestTransport {
  private ackedSeq = 0;
  calls = 0;
  eventsReceived = 0;

  ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    return Promise.resolve({ sessionId: args.sessionId, ackedSeq: this.ackedSeq, created: this.ackedSeq === 0 });
  }

  ingestSafe(args: IngestArgs): Promise<IngestResult> {
    this.calls += 1;
    this.eventsReceived += args.events.length;
    let applied = 0;
    let duplicates = 0;
    for (const event of args.events) {
      if ((event.seqEnd ?? event.seq) <= this.ackedSeq) duplicates += 1;
      else if (event.seq === this.ackedSeq + 1) {
        this.ackedSeq = event.seqEnd ?? event.seq;
        applied += 1;
      } else {
        return Promise.resolve({ ackedSeq: this.ackedSeq, applied, duplicates, gap: { expectedSeq: this.ackedSeq + 1, receivedSeq: event.seq } });
      }
    }
    return Promise.resolve({ ackedSeq: this.ackedSeq, applied, duplicates, gap: null });
  }
}

/** A streaming turn: mostly agent-message and command-output deltas, with item boundaries between runs. */
function workload(count: number): AppendItem[] {
  const items: AppendItem[] = [];
  for (let item = 0; items.length < count; item++) {
    const itemId = `item_${item}`;
    const method = item % 3 === 2 ? "item/commandExecution/outputDelta" : "item/agentMessage/delta";
    items.push({ origin: "codex", line: JSON.stringify({ method: "item/started", params: { threadId: "thr_1", turnId: "turn_1", item: { id: itemId } } }) });
    for (let i = 0; i < 40 && items.length < count; i++) {
      const delta = method === "item/agentMessage/delta" ? `word${i} ` : `line ${i}: ok\n`;
      items.push({ origin: "codex", line: JSON.stringify({ method, params: { threadId: "thr_1", turnId: "turn_1", itemId, delta } }) });
    }
  }
  return items.slice(0, count);
}

function row(name: string, events: number, ms: number): Omit<Row, "× baseline"> {
  return {
    case: name,
    events,
    "ms total": Math.round(ms),
    "events/s": Math.round((events / ms) * 1_000),
    "µs/event": Number(((ms * 1_000) / events).toFixed(2)),
  };
}

function withRatios(rows: Array<Omit<Row, "× baseline">>): Row[] {
  const base = rows[0]?.["µs/event"] ?? 1;
  return rows.map((r) => ({ ...r, "× baseline": `${(base / r["µs/event"]).toFixed(1)}×` }));
}

function benchAppend(dir: string, synchronous: OutboxSynchronous, perTransaction: number): Omit<Row, "× baseline"> {
  const outbox = Outbox.open(join(dir, `append-${synchronous}-${perTransaction}.db`), { synchronous });
  const sessionId = outbox.createSession();
  const lines = workload(APPEND_BATCH_LINES);
  const startedAt = performance.now();
  let written = 0;
  while (written < APPEND_MAX_EVENTS && performance.now() - startedAt < APPEND_BUDGET_MS) {
    const batch = perTransaction === 1 ? [lines[written % lines.length] as AppendItem] : lines;
    written += outbox.append(sessionId, batch).length;
  }
  const ms = performance.now() - startedAt;
  outbox.close();
  return row(`append ${synchronous}, ${perTransaction}/tx`, written, ms);
}

async function benchPush(dir: string, coalesce: boolean): Promise<{ row: Omit<Row, "× baseline">; calls: number; sent: number }> {
  const outbox = Outbox.open(join(dir, `push-${coalesce}.db`));
  const sessionId = outbox.createSession();
  const items = workload(PUSH_EVENTS);
  for (let i = 0; i < items.length; i += APPEND_BATCH_LINES) outbox.append(sessionId, items.slice(i, i + APPEND_BATCH_LINES));
  const transport = new MemoryTransport();
  const pusher = new Pusher({ outbox, transport, sessionId, coalesceDeltas: coalesce });
  const startedAt = performance.now();
  await pusher.start();
  const result = await pusher.flush({ timeoutMs: PUSH_TIMEOUT_MS });
  const ms = performance.now() - startedAt;
  await pusher.stop();
  outbox.close();
  if (!result.drained) throw new Error(`push bench did not drain: ${JSON.stringify(result)}`);
  return {
    row: row(`push ${coalesce ? "with" : "without"} coalescing`, PUSH_EVENTS, ms),
    calls: transport.calls,
    sent: transport.eventsReceived,
  };
}

/** Runs the outbox cases and prints their tables. */
export async function runOutboxBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "outbox-bench-"));
  try {
    const appendRows = [
      benchAppend(dir, "NORMAL", 1),
      benchAppend(dir, "NORMAL", APPEND_BATCH_LINES),
      benchAppend(dir, "FULL", 1),
      benchAppend(dir, "FULL", APPEND_BATCH_LINES),
    ];
    const plain = await benchPush(dir, false);
    const coalesced = await benchPush(dir, true);
    console.log(`Outbox append (${APPEND_BUDGET_MS} ms or ${APPEND_MAX_EVENTS} events per case; baseline: NORMAL, 1/tx)`);
    console.table(withRatios(appendRows));
    console.log(`Push outbox → Pusher → in-memory ingestSafe (${PUSH_EVENTS} events; baseline: without coalescing)`);
    console.table(withRatios([plain.row, coalesced.row]));
    console.log(
      `ingestSafe calls: ${plain.calls} vs ${coalesced.calls}; events sent: ${plain.sent} vs ${coalesced.sent} ` +
        `(${(plain.sent / coalesced.sent).toFixed(1)}× fewer with coalescing)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runOutboxBench();
