/** Validators of what the bridge sends and what ingest answers. */
import { v, type Infer } from "convex/values";

/**
 * Where an outbox line came from.
 * - `codex`: a line `codex app-server` wrote on stdout (notification, server
 *   request, or response to one of the bridge's requests), kept byte-exact.
 * - `bridge`: a record the bridge wrote itself (a request it sent to codex, an
 *   answer to a server request, or a lifecycle fact such as "codex exited"),
 *   as a JSON object.
 */
export const vEventOrigin = v.union(v.literal("codex"), v.literal("bridge"));
export type EventOrigin = Infer<typeof vEventOrigin>;

/**
 * One event as the bridge pushes it to `ingestSafe`.
 *
 * `seq` is the per-session sequence number the bridge's outbox assigned when it
 * stored the line (integer, 1-based, contiguous). When the bridge coalesces
 * adjacent text deltas of one item into one event, `seqEnd` is the last seq the
 * event covers (inclusive) and `line` is the merged delta notification.
 */
export const vCodexEvent = v.object({
  seq: v.number(),
  seqEnd: v.optional(v.number()),
  /** Milliseconds since the Unix epoch when the bridge stored the line. */
  receivedAt: v.number(),
  origin: vEventOrigin,
  /** The JSON text of the line, without its trailing newline. */
  line: v.string(),
});
export type CodexEvent = Infer<typeof vCodexEvent>;

/**
 * Idle timeouts of a bridge session, in milliseconds (each at least
 * `MIN_IDLE_TIMEOUT_MS`); absent ones take the defaults in `limits.ts`.
 */
export const vTimeouts = v.object({
  /** A turn with no event for this long is closed as interrupted. */
  turnIdleMs: v.optional(v.number()),
  /** A stream with no delta for this long is closed. */
  streamIdleMs: v.optional(v.number()),
  /** A session with no call for this long is marked stale. */
  sessionStaleMs: v.optional(v.number()),
});
export type Timeouts = Infer<typeof vTimeouts>;

/** Answer of `ensureSession`. */
export const vSessionState = v.object({
  sessionId: v.string(),
  /** Highest seq applied for this session; 0 when nothing has been applied yet. */
  ackedSeq: v.number(),
  /** True when this call created the session. */
  created: v.boolean(),
});
export type SessionState = Infer<typeof vSessionState>;

/** A bridge session as queries return it. */
export const vSession = v.object({
  sessionId: v.string(),
  ackedSeq: v.number(),
  codexVersion: v.optional(v.string()),
  hostname: v.optional(v.string()),
  /**
   * Milliseconds since the Unix epoch of the session's last call, to within
   * `LAST_SEEN_STAMP_MAX_MS` (1 min; a tenth of a shorter `sessionStaleMs`):
   * ingest restamps it only when older, so batches do not rewrite the session.
   */
  lastSeenAt: v.number(),
  /** True once the session went `sessionStaleMs` without a call; cleared by its next call. */
  stale: v.boolean(),
});
export type Session = Infer<typeof vSession>;

/** Answer of `ingestSafe`: what the batch did, in seq terms. */
export const vIngestResult = v.object({
  /** Highest seq applied for the session after this call (contiguous from 1). */
  ackedSeq: v.number(),
  /** Number of events this call applied. */
  applied: v.number(),
  /** Number of events skipped because their seq was already applied. */
  duplicates: v.number(),
  /**
   * Set when the batch skipped ahead of the session: events from
   * `receivedSeq` on were not applied; resend starting at `expectedSeq`.
   */
  gap: v.union(
    v.null(),
    v.object({ expectedSeq: v.number(), receivedSeq: v.number() }),
  ),
});
export type IngestResult = Infer<typeof vIngestResult>;
