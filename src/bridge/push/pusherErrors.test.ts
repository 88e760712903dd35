/**
 * Issue 7 item 4: a push failure that retrying cannot fix stops the session
 * (rows kept, code recorded for `status`); a transient one is retried with
 * growing backoff, at least as long as the server's `Retry-After`.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConvexError } from "convex/values";
import type { IngestResult, SessionState } from "../../shared/validators.js";
import { BridgeError, PERMANENT_ERROR_CODES, type BridgeErrorCode } from "../errors.js";
import { Outbox } from "../outbox/outbox.js";
import { Pusher, type PusherOptions } from "./pusher.js";
import type { EnsureSessionArgs, IngestArgs, IngestTransport } from "./transport.js";

/** Acks every batch, after throwing the queued failures (one per call) first. */
class FailingTransport implements IngestTransport {
  ensureFailures: unknown[] = [];
  ingestFailures: unknown[] = [];
  ensureCalls = 0;
  ingestCalls = 0;
  private acked = 0;

  async ensureSession(args: EnsureSessionArgs): Promise<SessionState> {
    this.ensureCalls += 1;
    const failure = this.ensureFailures.shift();
    if (failure !== undefined) throw failure;
    return { sessionId: args.sessionId, ackedSeq: this.acked, created: this.acked === 0 };
  }

  async ingestSafe(args: IngestArgs): Promise<IngestResult> {
    this.ingestCalls += 1;
    const failure = this.ingestFailures.shift();
    if (failure !== undefined) throw failure;
    const last = args.events.at(-1);
    const before = this.acked;
    this.acked = Math.max(this.acked, last?.seqEnd ?? last?.seq ?? 0);
    return { ackedSeq: this.acked, applied: this.acked - before, duplicates: 0, gap: null };
  }
}

let outbox: Outbox;
let sessionId: string;
let transport: FailingTransport;
const pushers: Pusher[] = [];

beforeEach(() => {
  outbox = Outbox.open(":memory:");
  sessionId = outbox.createSession();
  outbox.append(sessionId, Array.from({ length: 5 }, (_, n) => ({ origin: "codex" as const, line: `{"n":${n}}` })));
  transport = new FailingTransport();
});

afterEach(async () => {
  for (const pusher of pushers.splice(0)) await pusher.stop();
  outbox.close();
});

function makePusher(options: Partial<PusherOptions> = {}): Pusher {
  const pusher = new Pusher({ outbox, transport, sessionId, backoff: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
  pushers.push(pusher);
  return pusher;
}

describe("permanent push errors", () => {
  it.each([...PERMANENT_ERROR_CODES])("%s: one call, then the session stops pushing with its rows kept", async (code) => {
    const errors: Array<[string, number | null]> = [];
    transport.ingestFailures = Array.from({ length: 100 }, () => new BridgeError(code, `Convex answered ${code}`));
    const pusher = makePusher({ onError: (error, retryInMs) => errors.push([error.code, retryInMs]) });
    await pusher.start();
    const result = await pusher.flush({ timeoutMs: 10_000 });
    expect(result).toMatchObject({ drained: false, reason: "failed", ackedSeq: 0 });
    expect(result.lastError?.code).toBe(code);
    expect(transport.ingestCalls).toBe(1);
    expect(errors).toEqual([[code, null]]);
    expect(pusher.stats().state).toBe("failed");
    expect(outbox.sessionStats(sessionId)).toMatchObject({ pendingEvents: 5, storedEvents: 5, pushStopped: code });
    expect(outbox.session(sessionId).lastError).toMatch(new RegExp(`^\\[${code}\\]`));
  });

  it("an UNAUTHENTICATED ensureSession fails start after one call", async () => {
    transport.ensureFailures = [new BridgeError("UNAUTHENTICATED", "token expired")];
    const pusher = makePusher();
    await expect(pusher.start()).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(transport.ensureCalls).toBe(1);
    expect(outbox.sessionStats(sessionId).pushStopped).toBe("UNAUTHENTICATED");
  });

  it("classifies a ConvexError from any transport (e.g. convex-test) by its code", async () => {
    transport.ingestFailures = [new ConvexError({ code: "INVALID_BATCH", message: "seqEnd beyond what was sent" })];
    const pusher = makePusher();
    await pusher.start();
    expect((await pusher.flush({ timeoutMs: 10_000 })).lastError?.code).toBe("INVALID_BATCH");
    expect(transport.ingestCalls).toBe(1);
  });

  it("a new claim clears the recorded stop, so the next owner tries again", async () => {
    transport.ingestFailures = [new BridgeError("PAYLOAD_TOO_LARGE", "too big")];
    const pusher = makePusher();
    await pusher.start();
    await pusher.flush({ timeoutMs: 10_000 });
    expect(outbox.sessionStats(sessionId).pushStopped).toBe("PAYLOAD_TOO_LARGE");
    outbox.claimSession(sessionId);
    expect(outbox.sessionStats(sessionId).pushStopped).toBeNull();
    const next = makePusher();
    await next.start();
    expect(await next.flush({ timeoutMs: 10_000 })).toMatchObject({ drained: true, ackedSeq: 5 });
  });
});

describe("transient push errors", () => {
  it("are retried with growing backoff until they pass", async () => {
    const delays: number[] = [];
    const codes: BridgeErrorCode[] = [];
    transport.ingestFailures = Array.from({ length: 6 }, () => new BridgeError("TRANSPORT_FAILED", "HTTP 503"));
    const pusher = makePusher({
      backoff: { baseDelayMs: 2, maxDelayMs: 1_000, random: () => 0.999 },
      onError: (error, retryInMs) => {
        codes.push(error.code);
        delays.push(retryInMs ?? -1);
      },
    });
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 30_000 })).toMatchObject({ drained: true, ackedSeq: 5 });
    expect(codes).toEqual(Array(6).fill("TRANSPORT_FAILED"));
    expect(delays).toEqual([1, 3, 7, 15, 31, 63]);
    expect(transport.ingestCalls).toBe(7);
    expect(outbox.sessionStats(sessionId).pushStopped).toBeNull();
  });

  it("wait at least the server's Retry-After", async () => {
    const delays: number[] = [];
    transport.ingestFailures = [new BridgeError("TRANSPORT_FAILED", "HTTP 429", { retryAfterMs: 300 })];
    const pusher = makePusher({ onError: (_error, retryInMs) => delays.push(retryInMs ?? -1) });
    await pusher.start();
    const started = Date.now();
    expect(await pusher.flush({ timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect(delays).toEqual([300]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("a plain error thrown by a transport (network) is transient", async () => {
    transport.ingestFailures = [new TypeError("fetch failed"), new Error("socket hang up")];
    const pusher = makePusher();
    await pusher.start();
    expect(await pusher.flush({ timeoutMs: 30_000 })).toMatchObject({ drained: true });
    expect(pusher.stats().failures).toBe(2);
  });
});
