import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CodexEvent, IngestResult, SessionState } from "../../shared/validators.js";
import { BridgeError, isBridgeError } from "../errors.js";
import { EVENT_OVERHEAD_BYTES, Outbox, type AppendItem } from "../outbox/outbox.js";
import { MAX_PUSHED_LINE_BYTES } from "./oversize.js";
import { IDLE_POLL_INTERVAL_MS, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, Pusher, type PusherOptions } from "./pusher.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./transport.js";

/**
 * A faithful in-memory stand-in for the component's two mutations:
 * `ingestSafe` applies events in ascending seq; an event whose last seq
 * (seqEnd ?? seq) ≤ ackedSeq is a duplicate, seq = ackedSeq + 1 is applied
 * (ackedSeq becomes seqEnd ?? seq), anything else (ahead, or a coalesced run
 * straddling ackedSeq) stops the batch with a gap. It can be told to fail before applying, to apply
 * and then lose the answer, to hang, or to forget what it applied.
 */
class MemoryTransport implements IngestTransport {
  readonly sessions = new Map<string, { ackedSeq: number; applied: CodexEvent[] }>();
  readonly calls: IngestArgs[] = [];
  ensureCalls = 0;
  /** Calls to `ingestSafe` that throw before applying anything. */
  failNext = 0;
  /** Calls to `ingestSafe` that apply, then throw (the answer is lost). */
  dropNext = 0;
  /** Calls to `ensureSession` that throw. */
  failEnsureNext = 0;
  /** Calls to `ingestSafe` answered with a made-up gap at the batch's first seq, applying nothing. */
  bogusGapNext = 0;
  /** When set, `ingestSafe` waits for this before answering. */
  gate: Promise<void> | null = null;
  inFlight = 0;
  maxInFlight = 0;
  /** Overrides `ensureSession`'s ackedSeq answer. */
  ensureAckedOverride: number | null = null;

  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    this.ensureCalls += 1;
    await Promise.resolve();
    if (this.failEnsureNext > 0) {
      this.failEnsureNext -= 1;
      throw new Error("ensureSession: network down");
    }
    const existing = this.sessions.get(args.sessionId);
    if (!existing) this.sessions.set(args.sessionId, { ackedSeq: 0, applied: [] });
    const ackedSeq = this.ensureAckedOverride ?? this.session(args.sessionId).ackedSeq;
    return { sessionId: args.sessionId, ackedSeq, created: !existing };
  }

  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    this.calls.push(structuredClone(args));
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await Promise.resolve();
      if (this.gate) await this.gate;
      if (this.failNext > 0) {
        this.failNext -= 1;
        throw new Error("ingestSafe: network down");
      }
      const session = this.session(args.sessionId);
      const first = args.events[0];
      if (this.bogusGapNext > 0 && first) {
        this.bogusGapNext -= 1;
        return { ackedSeq: session.ackedSeq, applied: 0, duplicates: 0, gap: { expectedSeq: first.seq, receivedSeq: first.seq } };
      }
      const result = this.apply(session, args.events);
      if (this.dropNext > 0) {
        this.dropNext -= 1;
        throw new Error("ingestSafe: connection reset after commit");
      }
      return result;
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Simulates a deployment that lost everything after `ackedSeq`. */
  forget(sessionId: string, ackedSeq: number): void {
    const session = this.session(sessionId);
    session.ackedSeq = ackedSeq;
    session.applied = session.applied.filter((event) => (event.seqEnd ?? event.seq) <= ackedSeq);
  }

  session(sessionId: string): { ackedSeq: number; applied: CodexEvent[] } {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`unknown session ${sessionId}`);
    return session;
  }

  /** Applied lines, one per event (coalesced events stay merged). */
  lines(sessionId: string): string[] {
    return this.session(sessionId).applied.map((event) => event.line);
  }

  private apply(session: { ackedSeq: number; applied: CodexEvent[] }, events: CodexEvent[]): IngestResult {
    let applied = 0;
    let duplicates = 0;
    for (const event of events) {
      if ((event.seqEnd ?? event.seq) <= session.ackedSeq) {
        duplicates += 1;
      } else if (event.seq === session.ackedSeq + 1) {
        session.applied.push(event);
        session.ackedSeq = event.seqEnd ?? event.seq;
        applied += 1;
      } else {
        return { ackedSeq: session.ackedSeq, applied, duplicates, gap: { expectedSeq: session.ackedSeq + 1, receivedSeq: event.seq } };
      }
    }
    return { ackedSeq: session.ackedSeq, applied, duplicates, gap: null };
  }
}

const FAST_BACKOFF = { baseDelayMs: 1, maxDelayMs: 5 };

let dir: string;
let outbox: Outbox;
let sessionId: string;
let transport: MemoryTransport;
const pushers: Pusher[] = [];

function makePusher(options: Partial<PusherOptions> = {}): Pusher {
  const pusher = new Pusher({ outbox, transport, sessionId, backoff: FAST_BACKOFF, ...options });
  pushers.push(pusher);
  return pusher;
}

function lines(count: number, from = 0): AppendItem[] {
  return Array.from({ length: count }, (_, i) => ({ origin: "codex" as const, line: JSON.stringify({ method: "test/n", params: { n: from + i } }) }));
}

function expectedLines(count: number): string[] {
  return lines(count).map((item) => item.line);
}

function delta(itemId: string, text: string, method = "item/agentMessage/delta", extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ method, params: { threadId: "thr", turnId: "turn", itemId, delta: text, ...extra } });
}

function wireBytes(events: CodexEvent[]): number {
  return events.reduce((sum, e) => sum + Buffer.byteLength(e.line) + EVENT_OVERHEAD_BYTES, 0);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pusher-test-"));
  outbox = Outbox.open(join(dir, "outbox.db"));
  sessionId = outbox.createSession({ codexVersion: "0.169.0", hostname: "desk" });
  transport = new MemoryTransport();
});

afterEach(async () => {
  for (const pusher of pushers.splice(0)) await pusher.stop();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("Pusher", () => {
  it("pushes everything in order, acks from answers and prunes", async () => {
    const pusher = makePusher();
    const state = await pusher.start();
    expect(state).toEqual({ sessionId, ackedSeq: 0, created: true });
    outbox.append(sessionId, lines(700));
    pusher.kick();
    const result = await pusher.flush({ timeoutMs: 5_000 });
    expect(result).toEqual({ drained: true, targetSeq: 700, ackedSeq: 700 });
    expect(transport.lines(sessionId)).toEqual(expectedLines(700));
    expect(outbox.sessionStats(sessionId)).toMatchObject({ ackedSeq: 700, pendingEvents: 0, storedEvents: 0 });
    const stats = pusher.stats();
    expect(stats).toMatchObject({ state: "running", ackedSeq: 700, eventsAcked: 700, eventsPushed: 700, failures: 0, lastError: null });
    expect(stats.pushes).toBe(transport.calls.length);
    expect(stats.lastPushAt).not.toBeNull();
  });

  it("sends ensureSession with the outbox's codex version and hostname, or the given meta", async () => {
    const calls: EnsureSessionArgs[] = [];
    const spy: IngestTransport = {
      ensureSession: async (args) => {
        calls.push(args);
        return transport.ensureSession(args);
      },
      ingestSafe: (args) => transport.ingestSafe(args),
    };
    await makePusher({ transport: spy }).start();
    await makePusher({ transport: spy, sessionMeta: { codexVersion: "9" } }).start();
    expect(calls).toEqual([
      { sessionId, codexVersion: "0.169.0", hostname: "desk" },
      { sessionId, codexVersion: "9" },
    ]);
  });

  it("learns at start what Convex already has, and sends only the rest", async () => {
    outbox.append(sessionId, lines(8));
    await transport.ensureSession({ sessionId });
    await transport.ingestSafe({ sessionId, events: outbox.pending(sessionId, { maxEvents: 5, maxBytes: 1e6 }) });
    transport.calls.length = 0;

    const pusher = makePusher();
    expect((await pusher.start()).ackedSeq).toBe(5);
    expect(outbox.session(sessionId).ackedSeq).toBe(5);
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 8 });
    expect(transport.calls.map((call) => call.events.map((e) => e.seq))).toEqual([[6, 7, 8]]);
    expect(transport.lines(sessionId)).toEqual(expectedLines(8));
  });

  it("retries failures with backoff and delivers everything in order", async () => {
    const errors: Array<[string, number | null]> = [];
    transport.failEnsureNext = 2;
    transport.failNext = 5;
    const pusher = makePusher({ maxBatchEvents: 10, onError: (error, retryInMs) => errors.push([error.code, retryInMs]) });
    outbox.append(sessionId, lines(35));
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 35 });
    expect(transport.lines(sessionId)).toEqual(expectedLines(35));
    expect(errors).toHaveLength(7);
    for (const [code, retryInMs] of errors) {
      expect(code).toBe("TRANSPORT_FAILED");
      expect(retryInMs).toBeGreaterThanOrEqual(0);
      expect(retryInMs).toBeLessThanOrEqual(FAST_BACKOFF.maxDelayMs);
    }
    expect(pusher.stats()).toMatchObject({ failures: 7, consecutiveFailures: 0 });
    expect(pusher.stats().lastError?.cause).toBeInstanceOf(Error);
  });

  it("marks rows acked only from answers: a lost answer means a resend, not a double", async () => {
    const seenAtFailure: number[] = [];
    transport.dropNext = 3;
    const pusher = makePusher({
      maxBatchEvents: 4,
      onError: () => seenAtFailure.push(outbox.session(sessionId).ackedSeq),
    });
    outbox.append(sessionId, lines(10));
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 10 });
    // Each of the first three calls applied [1..4] then lost its answer: nothing acked locally yet.
    expect(seenAtFailure).toEqual([0, 0, 0]);
    expect(transport.calls.slice(0, 4).map((call) => call.events[0]?.seq)).toEqual([1, 1, 1, 1]);
    expect(transport.lines(sessionId)).toEqual(expectedLines(10));
    expect(pusher.stats().duplicates).toBe(4);
  });

  it("survives a crash and restart on the same file: no loss, nothing applied twice", async () => {
    const path = join(dir, "crash.db");
    let box = Outbox.open(path);
    const id = box.createSession();
    const first = new Pusher({ outbox: box, transport, sessionId: id, backoff: FAST_BACKOFF, maxBatchEvents: 7 });
    await first.start();
    box.append(id, lines(20));
    first.kick();
    expect(await first.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true });
    // Next push is applied by Convex but the answer never arrives; then the bridge dies.
    transport.dropNext = 1;
    let release!: () => void;
    transport.gate = new Promise((resolve) => (release = resolve));
    box.append(id, lines(15, 20));
    first.kick();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(transport.inFlight).toBe(1);
    release();
    transport.gate = null;
    await first.stop();
    box.close();
    // Lines written after the last push but before the crash are in the file too.
    box = Outbox.open(path);
    box.append(id, lines(5, 35));
    expect(box.session(id).ackedSeq).toBe(20);

    const second = new Pusher({ outbox: box, transport, sessionId: id, backoff: FAST_BACKOFF, maxBatchEvents: 7 });
    pushers.push(second);
    expect((await second.start()).ackedSeq).toBe(27);
    expect(box.session(id).ackedSeq).toBe(27);
    expect(await second.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 40 });
    const applied = transport.session(id).applied.map((e) => e.seq);
    expect(applied).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(transport.lines(id)).toEqual(expectedLines(40));
    await second.stop();
    box.close();
  });

  it("abandons a hung call on stop after the grace period", async () => {
    transport.gate = new Promise(() => {});
    const pusher = makePusher({ stopGraceMs: 30 });
    await pusher.start();
    outbox.append(sessionId, lines(3));
    pusher.kick();
    const flushing = pusher.flush({ timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const startedAt = Date.now();
    await pusher.stop();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(await flushing).toMatchObject({ drained: false, reason: "stopped", targetSeq: 3, ackedSeq: 0 });
    expect(pusher.stats().state).toBe("stopped");
  });

  it("times out a call that never answers and retries it", async () => {
    let hang = true;
    const slow: IngestTransport = {
      ensureSession: (args) => transport.ensureSession(args),
      ingestSafe: (args) => (hang ? ((hang = false), new Promise<IngestResult>(() => {})) : transport.ingestSafe(args)),
    };
    const pusher = makePusher({ transport: slow, pushTimeoutMs: 50 });
    outbox.append(sessionId, lines(4));
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true });
    expect(pusher.stats().lastError?.message).toMatch(/did not answer within 50 ms/);
  });

  it("keeps batches within the event and byte limits", async () => {
    const sizes = [10, 200, 30_000, 5, 120_000, 64, 90_000, 1_000];
    outbox.append(
      sessionId,
      Array.from({ length: 600 }, (_, i) => ({ origin: "codex" as const, line: "z".repeat(sizes[i % sizes.length] ?? 1) })),
    );
    const pusher = makePusher({ maxBatchEvents: 40, maxBatchBytes: 250_000 });
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 600 });
    for (const call of transport.calls) {
      expect(call.events.length).toBeLessThanOrEqual(40);
      expect(wireBytes(call.events)).toBeLessThanOrEqual(250_000);
    }
    expect(transport.session(sessionId).applied).toHaveLength(600);
  });

  it("uses the default limits: 512 events, 4 MiB, and sends a larger line alone", async () => {
    outbox.append(sessionId, lines(1_100));
    outbox.append(sessionId, [{ origin: "codex", line: "q".repeat(MAX_BATCH_BYTES + 10) }]);
    outbox.append(sessionId, Array.from({ length: 12 }, () => ({ origin: "codex" as const, line: "w".repeat(1024 * 1024) })));
    const pusher = makePusher();
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 10_000 })).toMatchObject({ drained: true, ackedSeq: 1_113 });
    const sizes = transport.calls.map((call) => call.events.length);
    expect(Math.max(...sizes)).toBe(MAX_BATCH_EVENTS);
    for (const call of transport.calls) {
      if (call.events.length > 1) expect(wireBytes(call.events)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(transport.calls.some((call) => call.events.length === 1 && call.events[0]?.seq === 1_101)).toBe(true);
  });

  it("pushes an oversize line shrunk, alone, under its seq", async () => {
    const big = JSON.stringify({ method: "item/completed", params: { item: { id: "c1", aggregatedOutput: "o".repeat(MAX_PUSHED_LINE_BYTES + 100) } } });
    outbox.append(sessionId, [...lines(2), { origin: "codex", line: big }, ...lines(2, 2)]);
    const pusher = makePusher();
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 10_000 })).toMatchObject({ drained: true, ackedSeq: 5 });
    const applied = transport.session(sessionId).applied;
    expect(applied.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(Buffer.byteLength(applied[2]?.line ?? "")).toBeLessThanOrEqual(MAX_PUSHED_LINE_BYTES);
    expect(JSON.parse(applied[2]?.line ?? "").params.item.id).toBe("c1");
    expect(outbox.line(sessionId, 3)).toBe(big);
  });

  it("coalesces kicks: one call in flight, later appends ride in the next batch", async () => {
    let release!: () => void;
    transport.gate = new Promise((resolve) => (release = resolve));
    const pusher = makePusher();
    await pusher.start();
    for (let i = 0; i < 100; i++) {
      outbox.append(sessionId, lines(1, i));
      pusher.kick();
      await Promise.resolve();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(transport.calls).toHaveLength(1);
    transport.gate = null;
    release();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 100 });
    expect(transport.maxInFlight).toBe(1);
    expect(transport.calls.length).toBeLessThanOrEqual(3);
    expect(transport.lines(sessionId)).toEqual(expectedLines(100));
  });

  it("finds rows appended without a kick by polling", async () => {
    const pusher = makePusher();
    await pusher.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    outbox.append(sessionId, lines(3));
    expect(transport.calls).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_INTERVAL_MS + 200));
    expect(transport.session(sessionId).ackedSeq).toBe(3);
  });

  it("rewinds on a gap and resends rows it still has", async () => {
    const pusher = makePusher({ pruneAcked: false });
    await pusher.start();
    outbox.append(sessionId, lines(10));
    await pusher.flush({ timeoutMs: 5_000 });
    transport.forget(sessionId, 4);
    outbox.append(sessionId, lines(5, 10));
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 15 });
    expect(transport.lines(sessionId)).toEqual(expectedLines(15));
    expect(pusher.stats().gaps).toBe(1);
    expect(outbox.session(sessionId).ackedSeq).toBe(15);
  });

  it("fails with SESSION_MISMATCH when a gap needs rows already pruned", async () => {
    const errors: Array<[string, number | null]> = [];
    const pusher = makePusher({ onError: (error, retryInMs) => errors.push([error.code, retryInMs]) });
    await pusher.start();
    outbox.append(sessionId, lines(10));
    await pusher.flush({ timeoutMs: 5_000 });
    transport.forget(sessionId, 4);
    outbox.append(sessionId, lines(2, 10));
    const result = await pusher.flush({ timeoutMs: 5_000 });
    expect(result).toMatchObject({ drained: false, reason: "failed", ackedSeq: 4 });
    expect(result.lastError?.code).toBe("SESSION_MISMATCH");
    expect(result.lastError?.message).toMatch(/seq 5/);
    expect(errors).toEqual([["SESSION_MISMATCH", null]]);
    expect(pusher.stats().state).toBe("failed");
    expect(outbox.sessionStats(sessionId)).toMatchObject({ lastSeq: 12, storedEvents: 2 });
  });

  it("fails at start when Convex acknowledged more than the outbox stored", async () => {
    outbox.append(sessionId, lines(3));
    transport.ensureAckedOverride = 9;
    const pusher = makePusher();
    await expect(pusher.start()).rejects.toSatisfy((error) => isBridgeError(error, "SESSION_MISMATCH"));
    expect(pusher.stats().state).toBe("failed");
    expect(outbox.session(sessionId).ackedSeq).toBe(0);
  });

  it("backs off on answers that make no progress, then recovers", async () => {
    transport.bogusGapNext = 2;
    const pusher = makePusher();
    outbox.append(sessionId, lines(5));
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 5 });
    expect(pusher.stats()).toMatchObject({ failures: 2, gaps: 2 });
    expect(transport.lines(sessionId)).toEqual(expectedLines(5));
  });

  it("returns a timeout result from flush while Convex is unreachable, without losing rows", async () => {
    transport.failNext = Number.POSITIVE_INFINITY;
    const pusher = makePusher();
    await pusher.start();
    outbox.append(sessionId, lines(4));
    const result = await pusher.flush({ timeoutMs: 100 });
    expect(result).toMatchObject({ drained: false, reason: "timeout", targetSeq: 4, ackedSeq: 0 });
    expect(result.lastError).toBeInstanceOf(BridgeError);
    expect(outbox.sessionStats(sessionId).pendingEvents).toBe(4);
    transport.failNext = 0;
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true });
  });

  it("flush resolves at once when nothing is pending, and reports a stopped pusher", async () => {
    const pusher = makePusher();
    expect(await pusher.flush()).toEqual({ drained: true, targetSeq: 0, ackedSeq: 0 });
    await pusher.stop();
    outbox.append(sessionId, lines(1));
    expect(await pusher.flush()).toMatchObject({ drained: false, reason: "stopped" });
    await expect(pusher.start()).rejects.toSatisfy((error) => isBridgeError(error, "TRANSPORT_FAILED"));
  });

  it("rejects limits above the Convex-safe ceilings", () => {
    expect(() => makePusher({ maxBatchEvents: MAX_BATCH_EVENTS + 1 })).toThrow(/maxBatchEvents/);
    expect(() => makePusher({ maxBatchBytes: 0 })).toThrow(/maxBatchBytes/);
  });
});

describe("Pusher with coalesceDeltas", () => {
  function streamItems(): AppendItem[] {
    const items: AppendItem[] = [{ origin: "codex", line: '{"method":"turn/started","params":{}}' }];
    for (let i = 0; i < 50; i++) items.push({ origin: "codex", line: delta("msg", `w${i} `) });
    items.push({ origin: "codex", line: '{"method":"item/started","params":{"item":{"id":"cmd"}}}' });
    for (let i = 0; i < 30; i++) items.push({ origin: "codex", line: delta("cmd", `out${i}\n`, "item/commandExecution/outputDelta") });
    for (let i = 50; i < 60; i++) items.push({ origin: "codex", line: delta("msg", `w${i} `) });
    return items;
  }

  function textOf(applied: CodexEvent[], itemId: string): string {
    return applied
      .map((e) => JSON.parse(e.line) as { params?: { itemId?: string; delta?: string } })
      .filter((m) => m.params?.itemId === itemId)
      .map((m) => m.params?.delta ?? "")
      .join("");
  }

  it("sends fewer events covering every seq exactly once", async () => {
    const items = streamItems();
    outbox.append(sessionId, items);
    const pusher = makePusher({ coalesceDeltas: true });
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: items.length });
    const applied = transport.session(sessionId).applied;
    expect(applied.map((e) => [e.seq, e.seqEnd])).toEqual([
      [1, undefined],
      [2, 51],
      [52, undefined],
      [53, 82],
      [83, 92],
    ]);
    expect(textOf(applied, "msg")).toBe(Array.from({ length: 60 }, (_, i) => `w${i} `).join(""));
    expect(textOf(applied, "cmd")).toBe(Array.from({ length: 30 }, (_, i) => `out${i}\n`).join(""));
    expect(pusher.stats()).toMatchObject({ eventsPushed: 5, eventsAcked: items.length });
  });

  it("never doubles text when a lost answer is followed by a longer merged run", async () => {
    outbox.append(sessionId, Array.from({ length: 5 }, (_, i) => ({ origin: "codex" as const, line: delta("a", `${i}`) })));
    transport.dropNext = 1;
    let appended = false;
    const pusher = makePusher({
      coalesceDeltas: true,
      onError: () => {
        if (appended) return;
        appended = true;
        outbox.append(sessionId, Array.from({ length: 3 }, (_, i) => ({ origin: "codex" as const, line: delta("a", `${i + 5}`) })));
      },
    });
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, targetSeq: 5 });
    expect(await pusher.flush({ timeoutMs: 5_000 })).toMatchObject({ drained: true, ackedSeq: 8 });
    // The retry's run [1, 8] straddles ackedSeq 5: Convex answers a gap at 6, the pusher resends from there.
    expect(transport.calls.map((call) => call.events.map((e) => [e.seq, e.seqEnd]))).toEqual([[[1, 5]], [[1, 8]], [[6, 8]]]);
    expect(textOf(transport.session(sessionId).applied, "a")).toBe("01234567");
    expect(pusher.stats()).toMatchObject({ gaps: 1, failures: 1 });
  });
});
