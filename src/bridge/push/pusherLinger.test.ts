/**
 * The pusher's linger (`lingerMs`): a burst of text deltas travels as one
 * batch; anything that must not wait (a non-delta event, a server request, a
 * full batch, a flush) goes at once; a transport failing while deltas linger
 * loses and doubles nothing. Fake timers, no timed assertions: each test
 * advances the clock explicitly and checks what was sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { CodexEvent, IngestResult, SessionState } from "../../shared/validators.js";
import { isBridgeError } from "../errors.js";
import { Outbox } from "../outbox/outbox.js";
import { DEFAULT_PUSH_LINGER_MS, MAX_PUSH_LINGER_MS, mayLinger } from "./linger.js";
import { Pusher, type PusherOptions } from "./pusher.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./transport.js";

const LINGER_MS = 1_000;

/** Applies contiguous seqs (a coalesced event covers seq..seqEnd); can fail before applying, or apply and lose the answer. */
class RecordingTransport implements IngestTransport {
  ackedSeq = 0;
  /** Every seq applied, in order (a seq applied twice would appear twice). */
  readonly appliedSeqs: number[] = [];
  readonly calls: CodexEvent[][] = [];
  failNext = 0;
  dropNext = 0;

  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    await Promise.resolve();
    return { sessionId: args.sessionId, ackedSeq: this.ackedSeq, created: this.ackedSeq === 0 };
  }

  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    this.calls.push(structuredClone(args.events));
    await Promise.resolve();
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error("ingestSafe: network down");
    }
    let applied = 0;
    let duplicates = 0;
    for (const event of args.events) {
      const last = event.seqEnd ?? event.seq;
      if (last <= this.ackedSeq) {
        duplicates += 1;
        continue;
      }
      if (event.seq !== this.ackedSeq + 1) {
        return { ackedSeq: this.ackedSeq, applied, duplicates, gap: { expectedSeq: this.ackedSeq + 1, receivedSeq: event.seq } };
      }
      for (let seq = event.seq; seq <= last; seq++) this.appliedSeqs.push(seq);
      this.ackedSeq = last;
      applied += 1;
    }
    if (this.dropNext > 0) {
      this.dropNext -= 1;
      throw new Error("ingestSafe: connection reset after commit");
    }
    return { ackedSeq: this.ackedSeq, applied, duplicates, gap: null };
  }
}

const delta = (text: string) =>
  JSON.stringify({ method: "item/agentMessage/delta", params: { threadId: "t-1", turnId: "u-1", itemId: "m-1", delta: text } });
const TURN_COMPLETED = JSON.stringify({ method: "turn/completed", params: { threadId: "t-1", turn: { id: "u-1", status: "completed" } } });
const APPROVAL_REQUEST = JSON.stringify({
  id: 0,
  method: "item/commandExecution/requestApproval",
  params: { threadId: "t-1", turnId: "u-1", itemId: "c-1", command: "ls" },
});

let dir: string;
let outbox: Outbox;
let sessionId: string;
let transport: RecordingTransport;
const pushers: Pusher[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  dir = mkdtempSync(join(tmpdir(), "pusher-linger-"));
  outbox = Outbox.open(join(dir, "outbox.sqlite"));
  sessionId = outbox.createSession();
  transport = new RecordingTransport();
});

afterEach(async () => {
  for (const pusher of pushers.splice(0)) {
    const stopped = pusher.stop();
    await vi.runAllTimersAsync();
    await stopped;
  }
  vi.useRealTimers();
  outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

async function started(options: Partial<PusherOptions> = {}): Promise<Pusher> {
  const pusher = new Pusher({ outbox, transport, sessionId, lingerMs: LINGER_MS, backoff: { random: () => 0.5 }, ...options });
  pushers.push(pusher);
  await pusher.start();
  return pusher;
}

function store(pusher: Pusher, ...lines: string[]): void {
  for (const line of lines) outbox.append(sessionId, [{ origin: "codex", line }]);
  pusher.kick();
}

describe("mayLinger", () => {
  it("lets only codex text-delta notifications wait", () => {
    const event = (line: string, extra: Partial<CodexEvent> = {}): CodexEvent => ({ seq: 1, receivedAt: 0, origin: "codex", line, ...extra });
    expect(mayLinger(event(delta("hi")))).toBe(true);
    expect(mayLinger(event(TURN_COMPLETED))).toBe(false);
    expect(mayLinger(event(APPROVAL_REQUEST))).toBe(false);
    expect(mayLinger(event(JSON.stringify({ id: 3, method: "item/agentMessage/delta", params: { delta: "x" } })))).toBe(false);
    expect(mayLinger(event(delta("hi"), { origin: "bridge" }))).toBe(false);
    expect(mayLinger(event(delta("hi"), { seqEnd: 4 }))).toBe(false);
    expect(mayLinger(event('{"method":"item/agentMessage/delta"'))).toBe(false);
  });
});

describe("Pusher with lingerMs", () => {
  it("pushes a burst of deltas as one batch, lingerMs after the first was stored, never later", async () => {
    const pusher = await started();
    store(pusher, delta("a"));
    await vi.advanceTimersByTimeAsync(100);
    for (const text of ["b", "c", "d", "e"]) {
      store(pusher, delta(text));
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(LINGER_MS - 500 - 1); // 1 ms before the first delta's linger ends
    expect(transport.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(transport.calls.map((events) => events.map((e) => e.seq))).toEqual([[1, 2, 3, 4, 5]]);
    expect(pusher.stats()).toMatchObject({ pushes: 1, ackedSeq: 5 });
  });

  it.each([
    ["turn/completed", TURN_COMPLETED],
    ["a server request (approval)", APPROVAL_REQUEST],
  ])("pushes at once, with the deltas before it, when %s is stored", async (_name, line) => {
    const pusher = await started();
    store(pusher, delta("a"), delta("b"));
    await vi.advanceTimersByTimeAsync(10);
    expect(transport.calls).toEqual([]);
    store(pusher, line);
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls.map((events) => events.map((e) => e.seq))).toEqual([[1, 2, 3]]);
    expect(pusher.stats().ackedSeq).toBe(3);
  });

  it("pushes a full batch at once and lingers only for the rest", async () => {
    const pusher = await started({ maxBatchEvents: 4 });
    store(pusher, ...["a", "b", "c", "d", "e"].map(delta));
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls.map((events) => events.map((e) => e.seq))).toEqual([[1, 2, 3, 4]]);
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(transport.calls.map((events) => events.map((e) => e.seq))).toEqual([[1, 2, 3, 4], [5]]);
  });

  it("pushes at once when a flush is waiting", async () => {
    const pusher = await started();
    store(pusher, delta("a"));
    const flushed = pusher.flush({ timeoutMs: 60_000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.calls).toHaveLength(1);
    await expect(flushed).resolves.toMatchObject({ drained: true, ackedSeq: 1 });
  });

  it("stops without pushing a lingering batch, and a later pusher sends it", async () => {
    const pusher = await started();
    store(pusher, delta("a"));
    await vi.advanceTimersByTimeAsync(10);
    pushers.splice(pushers.indexOf(pusher), 1);
    await pusher.stop();
    expect(transport.calls).toEqual([]);
    const next = await started();
    await vi.advanceTimersByTimeAsync(LINGER_MS);
    expect(transport.appliedSeqs).toEqual([1]);
    expect(next.stats().ackedSeq).toBe(1);
  });

  it.each([
    ["fails before applying", (t: RecordingTransport) => (t.failNext = 2)],
    ["applies and loses the answer", (t: RecordingTransport) => (t.dropNext = 2)],
  ])("loses and doubles nothing when the transport %s while deltas linger (coalescing off and on)", async (_name, breakIt) => {
    for (const coalesceDeltas of [false, true]) {
      const pusher = await started({ coalesceDeltas });
      const base = outbox.session(sessionId).lastSeq;
      breakIt(transport);
      for (let i = 0; i < 30; i++) {
        store(pusher, delta(`d${i} `));
        await vi.advanceTimersByTimeAsync(LINGER_MS / 4);
      }
      store(pusher, TURN_COMPLETED);
      const flushed = pusher.flush({ timeoutMs: 600_000 });
      await vi.advanceTimersByTimeAsync(120_000);
      await expect(flushed).resolves.toMatchObject({ drained: true, ackedSeq: base + 31 });
      expect(pusher.stats().failures).toBe(2);
      pushers.splice(pushers.indexOf(pusher), 1);
      await pusher.stop();
    }
    expect(transport.appliedSeqs).toEqual(Array.from({ length: 62 }, (_, i) => i + 1));
    expect(outbox.session(sessionId).ackedSeq).toBe(62);
  });

  it("rejects a linger out of range and defaults to DEFAULT_PUSH_LINGER_MS", () => {
    for (const lingerMs of [-1, 1.5, MAX_PUSH_LINGER_MS + 1, Number.NaN]) {
      let error: unknown;
      try {
        new Pusher({ outbox, transport, sessionId, lingerMs });
      } catch (e) {
        error = e;
      }
      expect(isBridgeError(error) && error.code === "INVALID_ARGUMENT").toBe(true);
    }
    expect(DEFAULT_PUSH_LINGER_MS).toBeGreaterThan(0);
    expect(() => new Pusher({ outbox, transport, sessionId, lingerMs: 0 })).not.toThrow();
  });
});
