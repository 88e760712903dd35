/**
 * The pusher: moves one session's events from the outbox to Convex.
 *
 * One loop per session, at most one `ingestSafe` in flight. Each round reads
 * the events after the seq Convex last acknowledged, sends them, and marks rows
 * acked only from the mutation's answer (`ackedSeq`), never because a call
 * "probably worked". A lost answer therefore means a resend, which Convex skips
 * as duplicates; a transient failure means a retry with backoff (at least the
 * server's `Retry-After`), never a dropped row. A permanent failure (see
 * `errors.ts`: `UNAUTHENTICATED`, `SESSION_MISMATCH`, `INVALID_BATCH`, ...)
 * stops this pusher (`failed`): the rows stay in the outbox, the code is
 * recorded there for `codex-convex status`, and the next bridge start tries again.
 *
 * Linger: a round whose pending events are all text deltas waits up to
 * `lingerMs` after the first of them was stored for more to arrive (a full
 * batch, any other event, a flush or a stop push at once), so a model's
 * trickle of small deltas travels in batches whose fixed cost Convex writes
 * once; see `linger.ts`.
 *
 * Shapes: `pusherTypes.ts`; delta coalescing: `coalesce.ts`; linger: `linger.ts`; answer checks: `pusherChecks.ts`.
 */
import { MAX_BATCH_BYTES as SHARED_MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH } from "../../shared/limits.js";
import type { CodexEvent, SessionState } from "../../shared/validators.js";
import { Backoff } from "./backoff.js";
import { coalesceDeltas } from "./coalesce.js";
import { checkLinger, mayLinger } from "./linger.js";
import { ConvexError } from "convex/values";
import { BridgeError, isBridgeError, isPermanentError } from "../errors.js";
import { classifyConvexFailure, MAX_RETRY_AFTER_MS } from "./convexErrors.js";
import type { Outbox } from "../outbox/outbox.js";
import { asBridgeError, checkAnswer, checkLimit, errorMessage, isSeq } from "./pusherChecks.js";
import type { FlushResult, PusherOptions, PusherState, PusherStats } from "./pusherTypes.js";
import type { EnsureSessionArgs, IngestTransport } from "./transport.js";

export type { FlushResult, PusherOptions, PusherState, PusherStats } from "./pusherTypes.js";

/** Most events in one `ingestSafe` call (before delta coalescing): the shared `MAX_EVENTS_PER_BATCH` (512). */
export const MAX_BATCH_EVENTS = MAX_EVENTS_PER_BATCH;

/**
 * Most bytes of line text in one `ingestSafe` call: the shared
 * `MAX_BATCH_BYTES` (4 MiB), here counting each event as its UTF-8 line plus
 * `EVENT_OVERHEAD_BYTES` (stricter than the component's UTF-16 count). A Convex
 * mutation's arguments must stay under 8 MiB. One event larger than this still
 * travels, alone (up to the outbox's `MAX_PUSHED_LINE_BYTES`).
 */
export const MAX_BATCH_BYTES = SHARED_MAX_BATCH_BYTES;

/** How often an idle pusher looks at the outbox without being kicked, in ms. */
export const IDLE_POLL_INTERVAL_MS = 1_000;

/** How long one transport call may take before it counts as failed and is retried, in ms. */
export const PUSH_TIMEOUT_MS = 120_000;

/** How long {@link Pusher.stop} waits for a call in flight before abandoning it, in ms. */
export const STOP_GRACE_MS = 5_000;

/** Default stall timeout of {@link Pusher.flush}: longest wait with no acknowledgement progress, in ms. */
export const FLUSH_TIMEOUT_MS = 10_000;

type FlushWaiter = {
  targetSeq: number;
  /** The acked seq when the stall clock last restarted. */
  seenSeq: number;
  /** Restarts the stall clock (acknowledgements advanced). */
  progressed: () => void;
  settle: (result: FlushResult) => void;
};

const STOPPED = Symbol("stopped");

/**
 * Pushes one outbox session to Convex through an {@link IngestTransport}.
 *
 * ```ts
 * const pusher = new Pusher({ outbox, transport, sessionId });
 * void pusher.start();                  // ensureSession, then push as rows arrive
 * outbox.append(sessionId, items); pusher.kick();
 * const { drained } = await pusher.flush({ timeoutMs: 5_000 });
 * await pusher.stop();
 * ```
 */
export class Pusher {
  private readonly outbox: Outbox;
  private readonly transport: IngestTransport;
  private readonly sessionId: string;
  private readonly maxBatchEvents: number;
  private readonly maxBatchBytes: number;
  private readonly pushTimeoutMs: number;
  private readonly lingerMs: number;
  private readonly backoff: Backoff;
  private state: PusherState = "new";
  /** Highest seq Convex acknowledged, as last heard: the next push starts after it. */
  private cursor: number;
  private counters = {
    pushes: 0,
    eventsPushed: 0,
    eventsAcked: 0,
    duplicates: 0,
    gaps: 0,
    failures: 0,
    consecutiveFailures: 0,
    lastPushAt: null as number | null,
    lastError: null as BridgeError | null,
  };
  private kicked = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private started: Promise<SessionState> | null = null;
  private resolveStarted: ((state: SessionState) => void) | null = null;
  private rejectStarted: ((error: unknown) => void) | null = null;
  private abandon: (() => void) | null = null;
  private readonly abandoned: Promise<typeof STOPPED>;
  private readonly waiters = new Set<FlushWaiter>();

  /**
   * @param options - See {@link PusherOptions}.
   * @throws BridgeError `INVALID_ARGUMENT` for limits out of range or an unknown session.
   */
  constructor(private readonly options: PusherOptions) {
    this.outbox = options.outbox;
    this.transport = options.transport;
    this.sessionId = options.sessionId;
    this.maxBatchEvents = checkLimit("maxBatchEvents", options.maxBatchEvents, MAX_BATCH_EVENTS);
    this.maxBatchBytes = checkLimit("maxBatchBytes", options.maxBatchBytes, MAX_BATCH_BYTES);
    this.pushTimeoutMs = options.pushTimeoutMs ?? PUSH_TIMEOUT_MS;
    this.lingerMs = checkLinger(options.lingerMs);
    this.backoff = new Backoff(options.backoff);
    this.cursor = this.outbox.session(this.sessionId).ackedSeq;
    this.abandoned = new Promise((resolve) => {
      this.abandon = () => resolve(STOPPED);
    });
  }

  /**
   * Starts the loop: `ensureSession` (retried with backoff until it answers),
   * marking rows Convex already has as acked (they arrived before a crash), then
   * pushing whenever rows are pending. Calling it again returns the same promise.
   *
   * Appends are safe without awaiting this: they are stored, and pushed once
   * Convex is reachable.
   *
   * @returns The `ensureSession` answer.
   * @throws BridgeError with a permanent code (`SESSION_MISMATCH` when Convex
   *   and the outbox disagree about the session, `UNAUTHENTICATED`, ...; the
   *   pusher is then `failed`); `TRANSPORT_FAILED` when stopped before Convex answered.
   */
  start(): Promise<SessionState> {
    if (this.started) return this.started;
    this.started = new Promise<SessionState>((resolve, reject) => {
      this.resolveStarted = resolve;
      this.rejectStarted = reject;
    });
    // Callers may `void pusher.start()`: a rejection they never see must not crash the process.
    this.started.catch(() => {});
    if (this.state === "stopped") {
      this.rejectStarted?.(new BridgeError("TRANSPORT_FAILED", "The pusher was stopped before it started."));
      return this.started;
    }
    this.state = "starting";
    this.loop = this.run();
    return this.started;
  }

  /**
   * Asks for a push soon: call after each append. Kicks while a push is in
   * flight are merged into one more round; a kick during a backoff wait does
   * not cut the wait short.
   */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /**
   * Waits until Convex acknowledged every event stored so far (the session's
   * last seq at the time of the call). Ends on progress, not on a fixed clock:
   * it keeps waiting while acknowledgements advance, and gives up only when
   * none arrived for `timeoutMs` (a stall). Never rejects: the result says
   * whether it drained, and if not, why. Before {@link Pusher.start} it can
   * only drain if there is nothing to push.
   *
   * @param options - `timeoutMs`: the stall timeout, the longest wait with no
   *   acknowledgement progress, in ms; default {@link FLUSH_TIMEOUT_MS}.
   * @returns See {@link FlushResult} (`reason: "timeout"` after a stall).
   */
  flush(options: { timeoutMs?: number } = {}): Promise<FlushResult> {
    const targetSeq = this.outbox.session(this.sessionId).lastSeq;
    if (this.cursor >= targetSeq) {
      return Promise.resolve({ drained: true, targetSeq, ackedSeq: this.cursor });
    }
    if (this.state === "stopped" || this.state === "failed") {
      return Promise.resolve(this.notDrained(targetSeq, this.state));
    }
    this.kick();
    const stallMs = options.timeoutMs ?? FLUSH_TIMEOUT_MS;
    return new Promise<FlushResult>((resolve) => {
      const stalled = () => waiter.settle(this.notDrained(targetSeq, "timeout"));
      let timer = setTimeout(stalled, stallMs);
      const waiter: FlushWaiter = {
        targetSeq,
        seenSeq: this.cursor,
        progressed: () => {
          clearTimeout(timer);
          timer = setTimeout(stalled, stallMs);
        },
        settle: (result) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(result);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Stops the loop. A call in flight gets `stopGraceMs` to answer (its
   * answer is then recorded); after that it is abandoned, which is safe: the
   * next pusher learns what Convex applied from `ensureSession`. Once this
   * resolves the pusher no longer touches the outbox, so it may be closed.
   * Pending flushes resolve with `reason: "stopped"`. Does not flush: call
   * {@link Pusher.flush} first for a clean shutdown.
   */
  async stop(): Promise<void> {
    if (this.state !== "failed") this.state = "stopped";
    this.wake?.();
    const grace = setTimeout(() => this.abandon?.(), this.options.stopGraceMs ?? STOP_GRACE_MS);
    try {
      await this.loop;
    } finally {
      clearTimeout(grace);
      this.abandon?.();
    }
    this.rejectStarted?.(new BridgeError("TRANSPORT_FAILED", "The pusher was stopped before Convex answered ensureSession."));
    for (const waiter of [...this.waiters]) waiter.settle(this.notDrained(waiter.targetSeq, "stopped"));
  }

  /** @returns A snapshot of the counters; see {@link PusherStats}. */
  stats(): PusherStats {
    return { state: this.state, ackedSeq: this.cursor, ...this.counters };
  }

  private get active(): boolean {
    return this.state === "starting" || this.state === "running";
  }

  private async run(): Promise<void> {
    let ensured = false;
    while (this.active) {
      try {
        if (!ensured) {
          const session = await this.ensure();
          ensured = true;
          this.state = "running";
          this.resolveStarted?.(session);
          this.rejectStarted = null;
          continue;
        }
        const pushed = await this.pushOnce();
        if (!pushed) await this.idle();
      } catch (error) {
        if (error === STOPPED || !this.active) break;
        const failure = asBridgeError(error);
        this.counters.failures += 1;
        this.counters.consecutiveFailures += 1;
        this.counters.lastError = failure;
        const permanent = isPermanentError(failure);
        this.recordError(failure, permanent);
        if (permanent) {
          this.fail(failure);
          break;
        }
        const delay = Math.max(this.backoff.next(), Math.min(failure.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
        this.report(failure, delay);
        await this.sleep(delay);
      }
    }
  }

  /** Registers the session and learns what Convex already holds. */
  private async ensure(): Promise<SessionState> {
    const session = await this.call(() =>
      this.transport.ensureSession({ ...this.ensureMeta(), sessionId: this.sessionId }),
    );
    if (!this.active) throw STOPPED;
    if (!isSeq(session.ackedSeq)) {
      throw new BridgeError("TRANSPORT_FAILED", `ensureSession answered an invalid ackedSeq ${JSON.stringify(session.ackedSeq)}; retrying.`);
    }
    if (session.sessionId !== this.sessionId) {
      throw new BridgeError(
        "SESSION_MISMATCH",
        `ensureSession answered for session ${session.sessionId}, not ${this.sessionId}; check the host app's ensureSession wrapper.`,
      );
    }
    this.outbox.markAcked(this.sessionId, session.ackedSeq);
    this.cursor = session.ackedSeq;
    this.backoff.reset();
    this.counters.consecutiveFailures = 0;
    this.prune();
    this.settleWaiters();
    return session;
  }

  /** One round: read, send, record. @returns false when nothing was pending. */
  private async pushOnce(): Promise<boolean> {
    this.kicked = false;
    const from = this.cursor;
    let rows = this.readPending(from);
    const first = rows[0];
    if (first === undefined) {
      const { lastSeq } = this.outbox.session(this.sessionId);
      if (lastSeq > from) throw this.pruned(from + 1);
      return false;
    }
    if (first.seq !== from + 1) throw this.pruned(from + 1);
    if (this.lingerMs > 0) rows = await this.linger(rows, from);
    const events = this.options.coalesceDeltas ? coalesceDeltas(rows) : rows;
    const answer = await this.call(() => this.transport.ingestSafe({ sessionId: this.sessionId, events }));
    checkAnswer(answer);
    this.counters.pushes += 1;
    this.counters.eventsPushed += events.length;
    this.counters.duplicates += answer.duplicates;
    this.counters.lastPushAt = Date.now();
    this.counters.eventsAcked += Math.max(0, answer.ackedSeq - from);
    this.outbox.markAcked(this.sessionId, answer.ackedSeq, this.counters.lastPushAt);
    if (answer.gap) {
      this.counters.gaps += 1;
      // Rewind (or advance, if part of the batch applied) to what Convex expects next.
      this.cursor = Math.min(answer.ackedSeq, answer.gap.expectedSeq - 1);
      if (this.cursor === from) {
        throw new BridgeError(
          "TRANSPORT_FAILED",
          `ingestSafe reported a gap (expected seq ${answer.gap.expectedSeq}, received ${answer.gap.receivedSeq}) for a batch that started at seq ${from + 1}; retrying.`,
        );
      }
    } else {
      this.cursor = answer.ackedSeq;
      if (this.cursor <= from) {
        throw new BridgeError(
          "TRANSPORT_FAILED",
          `ingestSafe applied nothing (ackedSeq ${answer.ackedSeq}) from a batch starting at seq ${from + 1}, without reporting a gap; retrying.`,
        );
      }
    }
    this.backoff.reset();
    this.counters.consecutiveFailures = 0;
    this.prune();
    this.settleWaiters();
    return true;
  }

  /** The batch after `from`, as the outbox hands it out (at most `maxBatchEvents` and `maxBatchBytes`). */
  private readPending(from: number): CodexEvent[] {
    return this.outbox.pending(this.sessionId, { afterSeq: from, maxEvents: this.maxBatchEvents, maxBytes: this.maxBatchBytes });
  }

  /**
   * Waits, while every pending event is a text delta ({@link mayLinger}), until
   * `lingerMs` after the first of them was stored (never longer: the wait is
   * one timer of at most `lingerMs`), rereading the batch on each kick. Ends
   * at once when the batch is full (the outbox holds more than one batch), an
   * event that must not wait arrives, a flush is waiting, or the pusher stops.
   * @param rows - The pending batch, non-empty, starting at `from + 1`.
   * @returns The batch to push (rows from `from + 1`, as read last).
   * @throws STOPPED when the pusher stopped meanwhile (nothing was sent).
   */
  private async linger(rows: CodexEvent[], from: number): Promise<CodexEvent[]> {
    const storedAt = rows[0]!.receivedAt;
    // Clamped to [0, lingerMs]: a wall clock that moved backwards never makes it wait longer.
    const waitMs = Math.min(this.lingerMs, Math.max(0, storedAt + this.lingerMs - Date.now()));
    let expired = waitMs === 0;
    const timer = expired
      ? undefined
      : setTimeout(() => {
          expired = true;
          this.wake?.();
        }, waitMs);
    try {
      let checked = 0;
      for (;;) {
        if (!this.active) throw STOPPED;
        for (; checked < rows.length; checked++) if (!mayLinger(rows[checked]!)) return rows;
        if (expired || this.waiters.size > 0 || this.isFull(rows)) return rows;
        await this.nextKick();
        this.kicked = false;
        rows = this.readPending(from);
        if (rows[0]?.seq !== from + 1) throw this.pruned(from + 1);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** Whether `rows` is a full batch: the outbox holds more pending events than fit in it. */
  private isFull(rows: readonly CodexEvent[]): boolean {
    return rows.length >= this.maxBatchEvents || this.outbox.session(this.sessionId).lastSeq > rows[rows.length - 1]!.seq;
  }

  /** Waits for a kick, a stop, or the linger timer (which calls `wake`). */
  private nextKick(): Promise<void> {
    if (this.kicked || !this.active) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
  }

  /** Runs one transport call with the per-call timeout, abandoning it if stop's grace runs out. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BridgeError("TRANSPORT_FAILED", `The Convex call did not answer within ${this.pushTimeoutMs} ms; retrying.`)),
        this.pushTimeoutMs,
      );
    });
    const attempt = Promise.resolve().then(fn);
    attempt.catch(() => {}); // a call that lost the race may still reject later
    try {
      const winner = await Promise.race([attempt, timeout, this.abandoned]);
      if (winner === STOPPED) throw STOPPED;
      return winner as T;
    } catch (error) {
      if (error === STOPPED || isBridgeError(error)) throw error;
      if (error instanceof ConvexError) throw classifyConvexFailure(error, {}, { functionName: "a Convex function", url: "the deployment" });
      throw new BridgeError("TRANSPORT_FAILED", `The Convex call failed: ${errorMessage(error)}. Retrying with backoff.`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  private ensureMeta(): Omit<EnsureSessionArgs, "sessionId"> {
    if (this.options.sessionMeta) return this.options.sessionMeta;
    const { meta } = this.outbox.session(this.sessionId);
    return {
      ...(typeof meta.codexVersion === "string" ? { codexVersion: meta.codexVersion } : {}),
      ...(typeof meta.hostname === "string" ? { hostname: meta.hostname } : {}),
    };
  }

  private prune(): void {
    if (this.options.pruneAcked ?? true) this.outbox.prune(this.sessionId);
  }

  private pruned(seq: number): BridgeError {
    return new BridgeError(
      "SESSION_MISMATCH",
      `Convex needs seq ${seq} of session ${this.sessionId} again, but the outbox already pruned it after an earlier acknowledgement. ` +
        "The Convex deployment lost events it had acknowledged (was it reset, or is this another deployment?). " +
        "Start a new session; the events still in the outbox can be read with codex-convex's outbox tools.",
    );
  }

  /** Waits for a kick, stop, or the idle poll interval. */
  private idle(): Promise<void> {
    if (this.kicked || !this.active) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, IDLE_POLL_INTERVAL_MS);
      timer.unref();
      this.wake = done;
    });
  }

  /** Waits `ms` (a backoff delay); only stop cuts it short. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = () => {
        if (!this.active) done();
      };
    });
  }

  private fail(error: BridgeError): void {
    this.state = "failed";
    this.report(error, null);
    this.rejectStarted?.(error);
    this.rejectStarted = null;
    for (const waiter of [...this.waiters]) waiter.settle(this.notDrained(waiter.targetSeq, "failed"));
  }

  /** Keeps the failure in the outbox for `codex-convex status`; never throws (the outbox may be what failed). */
  private recordError(error: BridgeError, permanent: boolean): void {
    try {
      this.outbox.recordPushError(this.sessionId, `[${error.code}] ${error.message}`, Date.now(), permanent ? error.code : null);
    } catch {
      // Reported through onError anyway.
    }
  }

  private report(error: BridgeError, retryInMs: number | null): void {
    try {
      this.options.onError?.(error, retryInMs);
    } catch {
      // onError must not break the loop.
    }
  }

  /** Settles the flushes Convex caught up with; restarts the stall clock of the others that saw progress. */
  private settleWaiters(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.targetSeq <= this.cursor) {
        waiter.settle({ drained: true, targetSeq: waiter.targetSeq, ackedSeq: this.cursor });
      } else if (this.cursor > waiter.seenSeq) {
        waiter.seenSeq = this.cursor;
        waiter.progressed();
      }
    }
  }

  private notDrained(targetSeq: number, reason: "timeout" | "stopped" | "failed"): FlushResult {
    const lastError = this.counters.lastError;
    return { drained: false, targetSeq, ackedSeq: this.cursor, reason, ...(lastError ? { lastError } : {}) };
  }
}
