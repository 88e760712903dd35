/**
 * Latency of the return path end to end, through the real chain of
 * test/support/realChain.ts: the browser's mutation on a real `ConvexClient`
 * → the WebSocket sync stand-in → the example host app and the component →
 * the subscribed `codex-convex bridge --serve` child (paired with `pair`) →
 * the real codex binary (scripted model):
 *
 * - `sendMessage` → codex receives `turn/start`: from just before the
 *   browser's mutation to the bridge writing the `turn/start` line it sends
 *   codex (and to codex's `turn/started`), on a warm thread;
 * - `interruptTurn` → `turn/completed`: from just before the browser's
 *   mutation to codex's `turn/completed` (status `interrupted`) of a
 *   streaming turn.
 *
 * Times are the bridge's `received_at` of each line in its SQLite outbox
 * (`Date.now()`, ms, same machine clock as this process). The bridge prunes
 * a line once Convex acknowledged it, so the bench adds a trigger to the
 * (throwaway) outbox copying the `turn/*` lines' times into its own table.
 *
 *   npm run bench             (every bench, see bench/run.ts)
 *   npx tsx bench/steerE2e.bench.ts
 */
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { promptResponder } from "../test/chaos/scenario.js";
import { host, startRealChain, until, type RealChain } from "../test/support/realChain.js";

/** Messages measured on a warm thread. */
const MESSAGE_RUNS = 10;
/** Interrupts measured. */
const INTERRUPT_RUNS = 5;

const SCRIPTS = {
  quick: [[{ type: "message" as const, text: "ok", chunks: 1 }]],
  "stream slowly": [{ outputs: [{ type: "message" as const, text: "word ".repeat(400), chunks: 400 }], eventDelayMs: 20 }],
};

type Row = { measure: string; runs: number; "p50 ms": number; "p99 ms": number; "max ms": number };
type Line = { receivedAt: number; message: { method?: string; params?: Record<string, unknown> } };

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)] ?? NaN);
}

function row(measure: string, values: number[]): Row {
  return { measure, runs: values.length, "p50 ms": percentile(values, 50), "p99 ms": percentile(values, 99), "max ms": percentile(values, 100) };
}

/** Keeps a copy of every `turn/*` line and delta the bridge appends (it prunes acknowledged lines). */
function recordLines(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS bench_lines (received_at INTEGER NOT NULL, line TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS bench_copy AFTER INSERT ON events
      WHEN NEW.line LIKE '%"method":"turn/%' OR NEW.line LIKE '%"method":"item/agentMessage/delta"%'
      BEGIN INSERT INTO bench_lines VALUES (NEW.received_at, NEW.line); END;
  `);
}

/** The recorded lines received at or after `since` (ms), oldest first. */
function linesSince(db: Database.Database, since: number): Line[] {
  const rows = db.prepare("SELECT received_at AS receivedAt, line FROM bench_lines WHERE received_at >= ? ORDER BY received_at, rowid").all(since) as Array<{ receivedAt: number; line: string }>;
  return rows.flatMap((r) => {
    try {
      return [{ receivedAt: r.receivedAt, message: JSON.parse(r.line) as Line["message"] }];
    } catch {
      return [];
    }
  });
}

/** The first line since `since` that matches, waiting for it. */
function firstLine(db: Database.Database, since: number, matches: (m: Line["message"]) => boolean, what: string): Promise<Line> {
  return until(what, async () => linesSince(db, since).find((l) => matches(l.message)), 60_000, 10);
}

const turnOf = (m: Line["message"]) => (m.params?.turn as { id?: string; status?: string } | undefined);

async function serveChain(): Promise<{ chain: RealChain; deviceId: string; workspaceId: string }> {
  const chain = await startRealChain({ model: { script: [], respond: promptResponder(SCRIPTS) }, approvalPolicy: "never", sandboxMode: "read-only" });
  const paired = await chain.pair("bench box");
  if (paired.code !== 0) throw new Error(`pair failed: ${paired.stderr}`);
  await chain.serve();
  const devices = await until("the device's workspace", async () => {
    const list = await chain.browser.query(host.listDevices, {});
    return list[0]?.workspaces[0] ? list : undefined;
  });
  return { chain, deviceId: paired.deviceId, workspaceId: devices[0]!.workspaces[0]!.workspaceId };
}

/** Runs the bench and prints its table. */
export async function runSteerE2eBench(): Promise<void> {
  const { chain, deviceId, workspaceId } = await serveChain();
  const db = new Database(chain.outboxPath, { fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  recordLines(db);
  try {
    let since = Date.now();
    await chain.browser.mutation(host.startThread, { idempotencyKey: "bench-start", deviceId, workspaceId, prompt: "quick" });
    const started = await until("the thread started", async () => {
      const c = await chain.browser.query(host.getCommand, { idempotencyKey: "bench-start" });
      return c?.status === "done" ? c : undefined;
    }, 60_000);
    const threadId = started.result!.threadId!;
    await firstLine(db, since, (m) => m.method === "turn/completed", "the first turn completed");

    const toTurnStart: number[] = [];
    const toTurnStarted: number[] = [];
    for (let i = 0; i < MESSAGE_RUNS; i++) {
      since = Date.now();
      await chain.browser.mutation(host.sendMessage, { idempotencyKey: `bench-send-${i}`, threadId, text: "quick" });
      const key = `bench-send-${i}`;
      const sent = await firstLine(db, 0, (m) => m.method === "turn/start" && m.params?.clientUserMessageId === key, `turn/start of ${key}`);
      const ack = await firstLine(db, since, (m) => m.method === "turn/started", "turn/started");
      toTurnStart.push(sent.receivedAt - since);
      toTurnStarted.push(ack.receivedAt - since);
      await firstLine(db, since, (m) => m.method === "turn/completed", "turn/completed");
    }

    const toCompleted: number[] = [];
    for (let i = 0; i < INTERRUPT_RUNS; i++) {
      const sentAt = Date.now();
      await chain.browser.mutation(host.sendMessage, { idempotencyKey: `bench-stream-${i}`, threadId, text: "stream slowly" });
      await until("deltas streaming", async () => (linesSince(db, sentAt).filter((l) => l.message.method === "item/agentMessage/delta").length >= 5 ? true : undefined), 60_000, 10);
      since = Date.now();
      await chain.browser.mutation(host.interruptTurn, { idempotencyKey: `bench-interrupt-${i}`, threadId });
      const completed = await firstLine(db, since, (m) => m.method === "turn/completed", "turn/completed");
      if (turnOf(completed.message)?.status !== "interrupted") throw new Error(`the turn was not interrupted: ${JSON.stringify(completed.message).slice(0, 300)}`);
      toCompleted.push(completed.receivedAt - since);
    }

    console.log("Return path latency end to end (browser ConvexClient → WebSocket stand-in → component → bridge --serve child → real codex)");
    console.table([
      row("sendMessage mutation → turn/start sent to codex", toTurnStart),
      row("sendMessage mutation → codex turn/started", toTurnStarted),
      row("interruptTurn mutation → codex turn/completed (interrupted)", toCompleted),
    ]);
  } finally {
    db.close();
    await chain.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runSteerE2eBench();
