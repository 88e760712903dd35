/**
 * Issue 11: the post-work flush ends on progress, not on a fixed clock. With a
 * stall timeout of 1 s, a deployment that acknowledges one event every 400 ms
 * for 8 s is waited for to the end; one that stops acknowledging is given up
 * on 1 s after its last acknowledgement. Fake timers: no test depends on speed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { IngestResult, SessionState } from "../../shared/validators.js";
import { Outbox } from "../outbox/outbox.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "../push/transport.js";
import { Pusher } from "../push/pusher.js";
import { Bridge, type BridgeSummary } from "./bridge.js";

const EVENTS = 20;
const ACK_EVERY_MS = 400;
const STALL_MS = 1_000;

/** Acknowledges the first event of each batch after {@link ACK_EVERY_MS}; after `stallAfter` acks, never answers again. */
class SlowAcks implements IngestTransport {
  acked = 0;
  ackTimes: number[] = [];
  constructor(private readonly stallAfter = Number.POSITIVE_INFINITY) {}
  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    return { sessionId: args.sessionId, ackedSeq: this.acked, created: this.acked === 0 };
  }
  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    if (this.ackTimes.length >= this.stallAfter) await new Promise(() => {});
    await new Promise((resolve) => setTimeout(resolve, ACK_EVERY_MS));
    const first = args.events[0];
    if (first && first.seq === this.acked + 1) this.acked = first.seq;
    this.ackTimes.push(Date.now());
    return { ackedSeq: this.acked, applied: 1, duplicates: 0, gap: null };
  }
}

let outbox: Outbox;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"] });
  outbox = Outbox.open(":memory:");
  const sessionId = outbox.createSession();
  outbox.append(sessionId, Array.from({ length: EVENTS }, (_, n) => ({ origin: "codex" as const, line: `{"n":${n}}` })));
});

afterEach(() => {
  outbox.close();
  vi.useRealTimers();
});

/** Runs a bridge with no jobs (it adopts the session left in the outbox), driving the fake clock until it ends. */
async function drive(transport: SlowAcks): Promise<{ summary: BridgeSummary; startedAt: number; endedAt: number }> {
  const startedAt = Date.now();
  let summary: BridgeSummary | undefined;
  const bridge = new Bridge({
    outbox,
    transport,
    binaryPath: "/nonexistent/codex",
    jobs: [],
    flushTimeoutMs: STALL_MS,
    pusher: { maxBatchEvents: 1 },
  });
  const running = bridge.run().then((result) => (summary = result));
  while (summary === undefined) await vi.advanceTimersByTimeAsync(10);
  await running;
  return { summary, startedAt, endedAt: Date.now() };
}

describe("the post-work flush", () => {
  it("keeps waiting while acknowledgements advance, far past the stall timeout", async () => {
    const transport = new SlowAcks();
    const { summary, startedAt, endedAt } = await drive(transport);
    expect(summary.drained).toBe(true);
    expect(summary.sessions[0]).toMatchObject({ ackedSeq: EVENTS, drained: true });
    expect(endedAt - startedAt).toBeGreaterThanOrEqual(EVENTS * ACK_EVERY_MS); // 8 s, 8 × the stall timeout
  });

  it("gives up one stall timeout after the last acknowledgement", async () => {
    const transport = new SlowAcks(5);
    const { summary } = await drive(transport);
    expect(summary.drained).toBe(false);
    expect(summary.sessions[0]).toMatchObject({ ackedSeq: 5, lastSeq: EVENTS, drained: false });
    expect(outbox.sessionStats(summary.sessions[0]!.sessionId).pendingEvents).toBe(EVENTS - 5);
  });
});

describe("Pusher.flush", () => {
  it("settles exactly one stall timeout after the last acknowledgement, not after a fixed time", async () => {
    const transport = new SlowAcks(5);
    const [session] = outbox.sessions();
    const pusher = new Pusher({ outbox, transport, sessionId: session!.sessionId, maxBatchEvents: 1, stopGraceMs: 0 });
    void pusher.start();
    let settledAt: number | undefined;
    const flushed = pusher.flush({ timeoutMs: STALL_MS }).then((result) => {
      settledAt = Date.now();
      return result;
    });
    while (settledAt === undefined) await vi.advanceTimersByTimeAsync(10);
    expect(await flushed).toMatchObject({ drained: false, reason: "timeout", ackedSeq: 5 });
    const lastAck = transport.ackTimes.at(-1)!;
    expect(settledAt - lastAck).toBeGreaterThanOrEqual(STALL_MS);
    expect(settledAt - lastAck).toBeLessThanOrEqual(STALL_MS + 20);
    expect(settledAt - transport.ackTimes[0]!).toBeGreaterThan(STALL_MS + 4 * ACK_EVERY_MS - 20);
    const stopping = pusher.stop();
    await vi.advanceTimersByTimeAsync(10);
    await stopping;
  });
});
