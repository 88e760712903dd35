/**
 * The bridge's local outbox: every line codex writes is stored here FIRST, with
 * its per-session seq, before anything is sent to Convex. The pusher reads the
 * events Convex has not acknowledged yet, and marks them acked only when an
 * `ingestSafe` answer says so. Because seq assignment and storage happen in one
 * SQLite transaction, seqs are contiguous and a crash can never leave a line
 * without a seq or a seq without its line.
 *
 * Durability (`synchronous`, in WAL mode):
 * - `"NORMAL"` (default): a committed append survives a crash of the bridge
 *   process (including `kill -9`): the WAL lives in the OS page cache. A power
 *   loss or OS crash may roll back the last transactions committed before it
 *   (the file stays consistent, never corrupt; those lines are simply gone).
 * - `"FULL"`: every commit also fsyncs the WAL, so committed appends survive
 *   power loss too, at the price of one fsync per transaction (see
 *   `bench/outbox.bench.ts`; batching lines per transaction amortises it).
 *
 * Schema and migrations: `outboxSchema.ts`; shrinking oversize lines for the
 * push: `oversize.ts`; the shapes: `outboxTypes.ts`.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { CodexEvent } from "../../shared/validators.js";
import { BridgeError } from "../errors.js";
import {
  errorMessage,
  prepareItem,
  prepareStatements,
  toSessionRecord,
  unknownSession,
  type EventRow,
  type SessionRow,
} from "./outboxRows.js";
import { migrate } from "./outboxSchema.js";
import { processToken } from "./processIdentity.js";
import type {
  AppendItem,
  AppendOptions,
  OutboxOptions,
  PendingOptions,
  SessionLifecycle,
  SessionMeta,
  SessionRecord,
  SessionStats,
} from "./outboxTypes.js";
import { MAX_PUSHED_LINE_BYTES, shrinkOversizeLine } from "../push/oversize.js";

export type {
  AppendItem,
  AppendOptions,
  OutboxOptions,
  OutboxSynchronous,
  PendingOptions,
  SessionLifecycle,
  SessionMeta,
  SessionRecord,
  SessionStats,
} from "./outboxTypes.js";
export { SCHEMA_VERSION } from "./outboxSchema.js";

/** How long a writer waits for another connection's lock, in ms. */
export const BUSY_TIMEOUT_MS = 5_000;

/** Default cap on bytes of lines not yet acknowledged by Convex, all sessions together (1 GiB). */
export const DEFAULT_MAX_PENDING_BYTES = 1024 * 1024 * 1024;

/** Bytes counted per event, beyond its line, for the fields around it (`seq`, `receivedAt`, ...). */
export const EVENT_OVERHEAD_BYTES = 96;

/** WAL size the file is truncated back to after a checkpoint, in bytes (64 MiB). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** Longest push error message kept in the sessions table, in characters. */
export const MAX_STORED_ERROR_CHARS = 2_000;

/**
 * The SQLite outbox. One instance per file per process; several processes may
 * open the same file (WAL, immediate write transactions, busy timeout).
 *
 * ```ts
 * const outbox = Outbox.open(".codex-convex/outbox.db");
 * const sessionId = outbox.createSession({ cwd: process.cwd() });
 * outbox.append(sessionId, lines.map((line) => ({ origin: "codex", line })));
 * ```
 */
export class Outbox {
  private readonly maxPendingBytes: number;
  private readonly processToken: (pid: number) => string | null;
  private readonly statements;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    options: OutboxOptions,
  ) {
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.processToken = options.processToken ?? processToken;
    this.statements = prepareStatements(db);
  }

  /**
   * Opens (creating if needed, with its parent directory) the outbox at `path`
   * and brings its schema to `SCHEMA_VERSION` (see `outboxSchema.ts`).
   *
   * @param path - File path, or `":memory:"` for a throwaway outbox (tests).
   * @param options - Durability, size cap; see {@link OutboxOptions}.
   * @returns The open outbox; call {@link Outbox.close} when done.
   * @throws BridgeError `INVALID_ARGUMENT` for a bad option; `OUTBOX_CORRUPT`
   *   when the file is not an outbox, is damaged, or was written by a newer
   *   codex-convex.
   */
  static open(path: string, options: OutboxOptions = {}): Outbox {
    const synchronous = options.synchronous ?? "NORMAL";
    if (synchronous !== "NORMAL" && synchronous !== "FULL") {
      throw new BridgeError(
        "INVALID_ARGUMENT",
        `Outbox synchronous must be "NORMAL" or "FULL", got ${JSON.stringify(synchronous)}.`,
      );
    }
    const maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    if (!(maxPendingBytes > 0)) {
      throw new BridgeError(
        "INVALID_ARGUMENT",
        `Outbox maxPendingBytes must be a positive number of bytes, got ${String(maxPendingBytes)}.`,
      );
    }
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
      migrate(db, path);
      return new Outbox(db, path, { ...options, maxPendingBytes });
    } catch (error) {
      db?.close();
      if (error instanceof BridgeError) throw error;
      throw new BridgeError(
        "OUTBOX_CORRUPT",
        `Could not open the outbox at ${path}: ${errorMessage(error)}. ` +
          "If the file is damaged or not an outbox, move it aside and start again; " +
          "events in it that Convex has not acknowledged would then not be sent.",
        { cause: error },
      );
    }
  }

  /**
   * Registers a new session.
   *
   * @param meta - What is known so far (cwd, codex version, ...); stored as JSON.
   * @param options - `jobId`: the bridge job it runs, found again by {@link Outbox.sessionOfJob}.
   * @returns The new session id (a random UUID).
   */
  createSession(meta: SessionMeta = {}, options: { jobId?: string } = {}): string {
    const sessionId = randomUUID();
    this.statements.insertSession.run(sessionId, Date.now(), JSON.stringify(meta), options.jobId ?? null);
    return sessionId;
  }

  /**
   * Reads one session.
   * @throws BridgeError `INVALID_ARGUMENT` when the session is not in this outbox.
   */
  session(sessionId: string): SessionRecord {
    return toSessionRecord(this.sessionRow(sessionId));
  }

  /** @returns Every session in the outbox, oldest first. */
  sessions(): SessionRecord[] {
    return (this.statements.listSessions.all() as SessionRow[]).map(toSessionRecord);
  }

  /** @returns The newest session created for `jobId`, or null. */
  sessionOfJob(jobId: string): SessionRecord | null {
    const row = this.statements.byJob.get(jobId) as SessionRow | undefined;
    return row ? toSessionRecord(row) : null;
  }

  /**
   * Merges `patch` into the session's meta (e.g. the thread id once codex
   * reports it). Keys set to `undefined` are removed.
   * @throws BridgeError `INVALID_ARGUMENT` when the session is not in this outbox.
   */
  updateSessionMeta(sessionId: string, patch: SessionMeta): SessionMeta {
    return this.db.transaction(() => this.mergeMeta(this.sessionRow(sessionId), patch)).immediate();
  }

  /**
   * Records whether codex is still running for the session.
   * @throws BridgeError `INVALID_ARGUMENT` when the session is not in this outbox.
   */
  setSessionState(sessionId: string, state: SessionLifecycle): void {
    if (state !== "open" && state !== "closed") {
      throw new BridgeError("INVALID_ARGUMENT", `Session state must be "open" or "closed", got ${JSON.stringify(state)}.`);
    }
    const { changes } = this.statements.setState.run(state, sessionId);
    if (changes === 0) throw unknownSession(sessionId, this.path);
  }

  /**
   * Makes `pid` the one process that runs (appends to and pushes) the session,
   * recording it with its start-time token (`processIdentity.ts`), and clears
   * a stop on a permanent push error (the new owner tries again). A session
   * whose owner is gone (crash, `kill -9`) can be claimed again, also when its
   * pid now belongs to an unrelated process (a different start time).
   *
   * @param pid - The claiming process; default this one.
   * @throws BridgeError `SESSION_LOCKED` when the owner still runs;
   *   `INVALID_ARGUMENT` for an unknown session.
   */
  claimSession(sessionId: string, pid: number = process.pid): void {
    this.db
      .transaction(() => {
        const row = this.sessionRow(sessionId);
        if (row.owner_pid !== null && row.owner_pid !== pid && this.ownerRuns(row)) {
          throw new BridgeError(
            "SESSION_LOCKED",
            `Session ${sessionId} of the outbox at ${this.path} is run by process ${row.owner_pid}, which is still running. ` +
              "Stop that bridge first, or use another outbox file (--outbox).",
          );
        }
        this.statements.setOwner.run(pid, this.processToken(pid), Date.now(), sessionId);
      })
      .immediate();
  }

  /** Gives up ownership taken by {@link Outbox.claimSession} (no-op when `pid` is not the owner). */
  releaseSession(sessionId: string, pid: number = process.pid): void {
    this.db
      .transaction(() => {
        if (this.sessionRow(sessionId).owner_pid === pid) this.statements.clearOwner.run(sessionId);
      })
      .immediate();
  }

  /**
   * Stores lines in one transaction and gives each the next seq of the session
   * (last + 1, last + 2, ...). Either all of them are stored or none is; the
   * optional meta patch commits with them.
   *
   * @param sessionId - A session from {@link Outbox.createSession}.
   * @param items - Lines in the order codex wrote them (all lines of one read).
   * @param options - See {@link AppendOptions}.
   * @returns The seqs assigned, one per item, in order (empty for no items).
   * @throws BridgeError `OUTBOX_FULL` when storing them would take the
   *   unacknowledged bytes past `maxPendingBytes` (nothing is stored);
   *   `INVALID_ARGUMENT` for an unknown session or a malformed item.
   */
  append(sessionId: string, items: readonly AppendItem[], options: AppendOptions = {}): number[] {
    if (items.length === 0 && options.meta === undefined) return [];
    const now = Date.now();
    const prepared = items.map((item, index) => prepareItem(item, index, now));
    const addedBytes = prepared.reduce((sum, item) => sum + item.bytes, 0);
    return this.db
      .transaction(() => {
        const session = this.sessionRow(sessionId);
        const total = this.pendingBytesTotal();
        if (!options.ignoreCap && addedBytes > 0 && total + addedBytes > this.maxPendingBytes) {
          throw new BridgeError(
            "OUTBOX_FULL",
            `The outbox at ${this.path} already holds ${total} bytes that Convex has not acknowledged; ` +
              `${addedBytes} more would pass its limit of ${this.maxPendingBytes} bytes, so nothing of this write was stored. ` +
              "Check that the bridge can reach the Convex deployment (its last push error says why not), " +
              "pause reading codex until the pusher drains, or raise the cap (maxPendingBytes; --max-pending-bytes on the CLI).",
          );
        }
        let seq = session.last_seq;
        const seqs: number[] = [];
        for (const item of prepared) {
          seq += 1;
          this.statements.insertEvent.run(sessionId, seq, item.receivedAt, item.origin, item.bytes, item.line);
          seqs.push(seq);
        }
        if (seqs.length > 0) this.statements.appended.run(seq, addedBytes, sessionId);
        if (options.meta !== undefined) this.mergeMeta(session, options.meta);
        return seqs;
      })
      .immediate();
  }

  /** @returns Bytes of lines not yet acknowledged, all sessions together. */
  pendingBytesTotal(): number {
    return (this.statements.totalPendingBytes.get() as { total: number }).total;
  }

  /** The cap on {@link Outbox.pendingBytesTotal}, in bytes. */
  get maxPendingBytesLimit(): number {
    return this.maxPendingBytes;
  }

  /**
   * The events to push next: stored events with seq greater than `afterSeq`,
   * in seq order, acknowledged or not (so the pusher can rewind on a gap).
   *
   * Batches stop at `maxEvents` or `maxBytes`, but always hold at least one
   * event. A line over `MAX_PUSHED_LINE_BYTES` is returned shrunk by
   * `shrinkOversizeLine`: same seq, cut to fit one mutation; the full line
   * stays in the outbox (prune keeps it; read it with {@link Outbox.line}).
   *
   * The result may start after `afterSeq + 1` when those rows were pruned; the
   * caller decides whether that is an error.
   *
   * @returns Events ready for `ingestSafe` (without `seqEnd`); empty when none.
   * @throws BridgeError `INVALID_ARGUMENT` for an unknown session or bad limits.
   */
  pending(sessionId: string, options: PendingOptions): CodexEvent[] {
    const { maxEvents, maxBytes } = options;
    if (!Number.isInteger(maxEvents) || maxEvents < 1) {
      throw new BridgeError("INVALID_ARGUMENT", `maxEvents must be a positive integer, got ${String(maxEvents)}.`);
    }
    if (!(maxBytes > 0)) {
      throw new BridgeError("INVALID_ARGUMENT", `maxBytes must be a positive number of bytes, got ${String(maxBytes)}.`);
    }
    const afterSeq = options.afterSeq ?? this.sessionRow(sessionId).acked_seq;
    if (options.afterSeq !== undefined) this.sessionRow(sessionId); // unknown session → throws
    const events: CodexEvent[] = [];
    let batchBytes = 0;
    for (const row of this.statements.pending.iterate(sessionId, afterSeq, maxEvents) as IterableIterator<EventRow>) {
      let { line, origin, bytes } = row;
      if (bytes > MAX_PUSHED_LINE_BYTES) {
        ({ line, origin } = shrinkOversizeLine(line, origin, MAX_PUSHED_LINE_BYTES));
        bytes = Buffer.byteLength(line, "utf8");
      }
      const size = bytes + EVENT_OVERHEAD_BYTES;
      if (events.length > 0 && batchBytes + size > maxBytes) break;
      events.push({ seq: row.seq, receivedAt: row.received_at, origin, line });
      batchBytes += size;
    }
    return events;
  }

  /**
   * Records that Convex acknowledged every seq up to `throughSeq` (from an
   * `ensureSession` or `ingestSafe` answer, never from a guess). Lower values
   * than the current acked seq are ignored: acks never go backwards.
   *
   * @param pushedAt - When an `ingestSafe` answered (ms since epoch), recorded as the last push.
   * @returns How many events became acknowledged.
   * @throws BridgeError `SESSION_MISMATCH` when `throughSeq` is past the last
   *   stored seq (Convex knows events this outbox never stored: the outbox and
   *   the deployment disagree about the session); `INVALID_ARGUMENT` for an
   *   unknown session.
   */
  markAcked(sessionId: string, throughSeq: number, pushedAt?: number): number {
    return this.db
      .transaction(() => {
        const session = this.sessionRow(sessionId);
        if (throughSeq <= session.acked_seq) {
          if (pushedAt !== undefined) this.statements.pushedAt.run(pushedAt, sessionId);
          return 0;
        }
        if (throughSeq > session.last_seq) {
          throw new BridgeError(
            "SESSION_MISMATCH",
            `Convex acknowledged seq ${throughSeq} of session ${sessionId}, but the outbox at ${this.path} only stored up to seq ${session.last_seq}. ` +
              "The outbox and the Convex deployment disagree about this session (outbox restored from a backup, or a session id reused?); start a new session.",
          );
        }
        const { total } = this.statements.bytesInRange.get(sessionId, session.acked_seq, throughSeq) as { total: number };
        this.statements.ackRange.run(sessionId, session.acked_seq, throughSeq);
        this.statements.acked.run(throughSeq, total, pushedAt ?? null, sessionId);
        return throughSeq - session.acked_seq;
      })
      .immediate();
  }

  /**
   * Records a failed push (for `codex-convex status`); the message is cut to
   * {@link MAX_STORED_ERROR_CHARS}.
   * @param stoppedOn - The permanent error code pushing stopped on, or null
   *   for a failure that is retried (a stop already recorded is kept).
   */
  recordPushError(sessionId: string, message: string, at: number = Date.now(), stoppedOn: string | null = null): void {
    this.statements.setError.run(message.slice(0, MAX_STORED_ERROR_CHARS), at, stoppedOn, sessionId);
  }

  /**
   * Deletes the session's acknowledged events, except lines over
   * `MAX_PUSHED_LINE_BYTES` (Convex only got a shrunk copy; the original stays
   * here). The session's last seq is kept, so numbering continues.
   *
   * @returns How many events were deleted.
   * @throws BridgeError `INVALID_ARGUMENT` for an unknown session.
   */
  prune(sessionId: string): number {
    const session = this.sessionRow(sessionId);
    return this.statements.prune.run(sessionId, session.acked_seq, MAX_PUSHED_LINE_BYTES).changes;
  }

  /**
   * The full stored line of one event, e.g. to recover an oversize line that
   * Convex only received shrunk.
   * @returns The line, or null when no such event is stored (never stored, or pruned).
   */
  line(sessionId: string, seq: number): string | null {
    const row = this.statements.getLine.get(sessionId, seq) as { line: string } | undefined;
    return row?.line ?? null;
  }

  /**
   * Counters of one session.
   * @throws BridgeError `INVALID_ARGUMENT` for an unknown session.
   */
  sessionStats(sessionId: string): SessionStats {
    return this.statsOf(this.sessionRow(sessionId));
  }

  /** @returns Counters of every session, oldest session first. */
  stats(): SessionStats[] {
    return (this.statements.listSessions.all() as SessionRow[]).map((row) => this.statsOf(row));
  }

  /** Runs SQLite's `quick_check`. @returns "ok", or the problems SQLite found. */
  quickCheck(): string {
    const rows = this.db.pragma("quick_check") as Array<{ quick_check: string }>;
    return rows.map((row) => row.quick_check).join("; ");
  }

  /** Closes the database. Further calls on this instance throw; closing twice is a no-op. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private mergeMeta(row: SessionRow, patch: SessionMeta): SessionMeta {
    const current = JSON.parse(row.meta) as SessionMeta;
    const merged = JSON.parse(JSON.stringify({ ...current, ...patch })) as SessionMeta;
    this.statements.setMeta.run(JSON.stringify(merged), row.session_id);
    return merged;
  }

  private statsOf(row: SessionRow): SessionStats {
    const oldest = this.statements.oldestPending.get(row.session_id, row.acked_seq) as
      | { received_at: number }
      | undefined;
    const { n } = this.statements.countStored.get(row.session_id) as { n: number };
    return {
      sessionId: row.session_id,
      state: row.state,
      jobId: row.job_id,
      pendingEvents: row.last_seq - row.acked_seq,
      pendingBytes: row.pending_bytes,
      oldestPendingReceivedAt: oldest?.received_at ?? null,
      lastSeq: row.last_seq,
      ackedSeq: row.acked_seq,
      storedEvents: n,
      ownerPid: row.owner_pid,
      ownerAlive: this.ownerRuns(row),
      lastPushAt: row.last_push_at,
      lastError: row.last_error,
      lastErrorAt: row.last_error_at,
      pushStopped: row.push_stopped,
    };
  }

  /**
   * Whether the recorded owner still runs: its pid is a live process with the
   * start-time token recorded at claim time (an owner recorded without a
   * token, by an older bridge, by its pid alone).
   */
  private ownerRuns(row: SessionRow): boolean {
    if (row.owner_pid === null) return false;
    const token = this.processToken(row.owner_pid);
    if (token === null) return false;
    return row.owner_token === null || row.owner_token === token;
  }

  private sessionRow(sessionId: string): SessionRow {
    const row = this.statements.getSession.get(sessionId) as SessionRow | undefined;
    if (!row) throw unknownSession(sessionId, this.path);
    return row;
  }
}
