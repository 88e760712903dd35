/** The shapes the outbox takes and returns (see `outbox.ts`). */
import type { EventOrigin } from "../../shared/validators.js";

/** How hard a commit is flushed to disk; see `outbox.ts`'s module comment. */
export type OutboxSynchronous = "NORMAL" | "FULL";

/** Options of `Outbox.open`. */
export type OutboxOptions = {
  /** Durability of commits; default `"NORMAL"`. */
  synchronous?: OutboxSynchronous;
  /** Cap on unacknowledged line bytes, all sessions together; default `DEFAULT_MAX_PENDING_BYTES`. */
  maxPendingBytes?: number;
  /**
   * The incarnation token of a process (its start time), or null when no such
   * process runs; for session ownership. Default `processToken` (see
   * `processIdentity.ts`). Tests replace it.
   */
  processToken?: (pid: number) => string | null;
};

/** What the bridge knows about a session; stored as a JSON object. Free-form beyond the named keys. */
export type SessionMeta = {
  threadId?: string;
  cwd?: string;
  codexVersion?: string;
  hostname?: string;
  [key: string]: unknown;
};

/** Whether codex is still running for the session. Informational: appends are accepted in either state. */
export type SessionLifecycle = "open" | "closed";

/** One row of the sessions table. Times are ms since the Unix epoch. */
export type SessionRecord = {
  sessionId: string;
  createdAt: number;
  state: SessionLifecycle;
  meta: SessionMeta;
  /** The bridge job the session runs (`bridge --jobs`), or null. */
  jobId: string | null;
  /** Highest seq stored (0 when none); numbering continues from here even after prune. */
  lastSeq: number;
  /** Highest seq Convex acknowledged (0 when none). */
  ackedSeq: number;
  /** Process that runs the session now (see `Outbox.claimSession`), or null; it may have died since. */
  ownerPid: number | null;
  /** When Convex last answered a push of this session, or null. */
  lastPushAt: number | null;
  /** The last push failure's message, kept after later successes, or null. */
  lastError: string | null;
  lastErrorAt: number | null;
  /** The permanent error code pushing stopped on (e.g. `UNAUTHENTICATED`), or null; cleared when a process claims the session. */
  pushStopped: string | null;
};

/** One line to store. */
export type AppendItem = {
  origin: EventOrigin;
  /** The JSON text of the line, without its trailing newline. */
  line: string;
  /** Milliseconds since the Unix epoch; default: now. */
  receivedAt?: number;
};

/** Options of `Outbox.append`. */
export type AppendOptions = {
  /** Merged into the session's meta in the same transaction as the lines (keys set to `undefined` are removed). */
  meta?: SessionMeta;
  /**
   * Store even past `maxPendingBytes`. Only for the bridge's own short records
   * (a turn recorded failed), so a full outbox can still say why it stopped.
   */
  ignoreCap?: boolean;
};

/** Options of `Outbox.pending`. */
export type PendingOptions = {
  /** Return events with seq greater than this; default: the session's acked seq. */
  afterSeq?: number;
  /** Most events to return (≥ 1). */
  maxEvents: number;
  /**
   * Most bytes to return, counting each event's line plus `EVENT_OVERHEAD_BYTES`.
   * The first event is always returned, even when it alone is larger.
   */
  maxBytes: number;
};

/** Counters of one session, for status output and tests. Times are ms since the Unix epoch. */
export type SessionStats = {
  sessionId: string;
  state: SessionLifecycle;
  jobId: string | null;
  /** Events stored but not acknowledged by Convex. */
  pendingEvents: number;
  /** UTF-8 bytes of those events' lines. */
  pendingBytes: number;
  /** `receivedAt` of the oldest unacknowledged event, or null. */
  oldestPendingReceivedAt: number | null;
  lastSeq: number;
  ackedSeq: number;
  /** Rows in the events table, acknowledged-but-not-pruned and retained oversize ones included. */
  storedEvents: number;
  ownerPid: number | null;
  /** Whether the owner still runs: `ownerPid` is alive AND is the same process (same start time) that claimed it. */
  ownerAlive: boolean;
  lastPushAt: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  /** See {@link SessionRecord.pushStopped}. */
  pushStopped: string | null;
};
