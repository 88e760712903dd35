/** The shapes the pusher takes and reports (see `pusher.ts`). */
import type { BackoffOptions } from "./backoff.js";
import type { BridgeError } from "../errors.js";
import type { Outbox } from "../outbox/outbox.js";
import type { EnsureSessionArgs, IngestTransport } from "./transport.js";

/** Options of `Pusher`. */
export type PusherOptions = {
  outbox: Outbox;
  transport: IngestTransport;
  /** A session of `outbox`. */
  sessionId: string;
  /** Most events per call; default and ceiling `MAX_BATCH_EVENTS`. */
  maxBatchEvents?: number;
  /** Most bytes per call; default and ceiling `MAX_BATCH_BYTES`. */
  maxBatchBytes?: number;
  /**
   * Called for every failure: `retryInMs` is the backoff delay before the next
   * try, or null when the pusher gave up on a permanent error (see
   * `isPermanentError`). Must not throw.
   */
  onError?: (error: BridgeError, retryInMs: number | null) => void;
  /** Sent with `ensureSession`; default: `codexVersion`/`hostname` from the outbox session's meta. */
  sessionMeta?: Omit<EnsureSessionArgs, "sessionId">;
  /** Merge adjacent text deltas of one item into one event (see `coalesceDeltas`); default false. */
  coalesceDeltas?: boolean;
  /**
   * Linger, in ms (integer, 0 to `MAX_PUSH_LINGER_MS`; default
   * `DEFAULT_PUSH_LINGER_MS`, 150): when every pending event is a text delta,
   * wait up to this long after the first of them was stored for more before
   * pushing, so a model's trickle of 4–8 B deltas travels in few batches and
   * Convex writes each batch's fixed ~230 B once per window instead of once or
   * twice per delta (at 200 deltas/s: 2.9 bytes written per further text byte
   * instead of 24; see `DEFAULT_PUSH_LINGER_MS`). Live readers see text up to
   * this much later (p50 about half of it). Never delays anything else: a full
   * batch, any non-delta event (item/started, item/completed, turn/completed, a
   * server request such as an approval, a response, a bridge event), a flush
   * or a stop push at once. 0 pushes as soon as events are stored.
   * @throws (from the constructor) BridgeError `INVALID_ARGUMENT` when not an integer from 0 to `MAX_PUSH_LINGER_MS`.
   */
  lingerMs?: number;
  /** Delete acknowledged rows from the outbox after each push; default true. */
  pruneAcked?: boolean;
  /** Retry delays; see {@link BackoffOptions}. */
  backoff?: BackoffOptions;
  /** Per-call timeout in ms; default `PUSH_TIMEOUT_MS`. */
  pushTimeoutMs?: number;
  /** How long `Pusher.stop` waits for a call in flight, in ms; default `STOP_GRACE_MS`. */
  stopGraceMs?: number;
};

/**
 * Where the pusher is: `new` (not started), `starting` (until `ensureSession`
 * answers), `running`, `stopped`, or `failed` (a permanent error such as
 * `UNAUTHENTICATED` or `SESSION_MISMATCH`; see `lastError`).
 */
export type PusherState = "new" | "starting" | "running" | "stopped" | "failed";

/** Counters of one pusher. */
export type PusherStats = {
  state: PusherState;
  /** Highest seq Convex acknowledged, as last heard (before start: the outbox's acked seq). */
  ackedSeq: number;
  /** `ingestSafe` calls answered. */
  pushes: number;
  /** Events sent in answered calls (a coalesced event counts once). */
  eventsPushed: number;
  /** Seqs newly acknowledged by answers. */
  eventsAcked: number;
  /** Events Convex reported as already applied. */
  duplicates: number;
  /** Answers that reported a gap. */
  gaps: number;
  /** Failed calls (transport errors, timeouts, answers that made no sense). */
  failures: number;
  /** Failures since the last answered call. */
  consecutiveFailures: number;
  /** When the last call was answered, ms since the Unix epoch, or null. */
  lastPushAt: number | null;
  /** The last failure, or null; kept after later successes. */
  lastError: BridgeError | null;
};

/** Outcome of `Pusher.flush`. */
export type FlushResult = {
  /** True when Convex acknowledged every event stored when flush was called. */
  drained: boolean;
  /** Last seq stored when flush was called. */
  targetSeq: number;
  /** Highest seq Convex acknowledged when flush settled. */
  ackedSeq: number;
  /**
   * Why not drained: `timeout` when acknowledgements stalled (none for the
   * flush's stall timeout), `stopped` when the pusher was stopped, `failed`
   * when it stopped on a permanent error.
   */
  reason?: "timeout" | "stopped" | "failed";
  /** The last failure, when not drained and there was one. */
  lastError?: BridgeError;
};
