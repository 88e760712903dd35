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
 */
import { createHash, randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { CodexEvent, EventOrigin } from "../shared/validators.js";
import { MAX_EVENT_BYTES } from "../shared/limits.js";
import { BridgeError } from "./errors.js";

/** Version of the schema below, stored in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 1;

/** How long a writer waits for another connection's lock, in ms. */
export const BUSY_TIMEOUT_MS = 5_000;

/** Default cap on bytes of lines not yet acknowledged by Convex, all sessions together (1 GiB). */
export const DEFAULT_MAX_PENDING_BYTES = 1024 * 1024 * 1024;

/**
 * Hard cap on one event's line as pushed, in UTF-8 bytes: the shared
 * `MAX_EVENT_BYTES` (6 MiB) that `ingestSafe` enforces (it measures UTF-16
 * length, never more than the UTF-8 size). A Convex mutation's arguments must
 * stay under 8 MiB; this leaves 2 MiB for the rest of the call. Lines above it
 * are stored whole but pushed shrunk: see {@link shrinkOversizeLine}.
 */
export const MAX_PUSHED_LINE_BYTES = MAX_EVENT_BYTES;

/** Bytes counted per event, beyond its line, for the fields around it (`seq`, `receivedAt`, ...). */
export const EVENT_OVERHEAD_BYTES = 96;

/** WAL size the file is truncated back to after a checkpoint, in bytes (64 MiB). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** Top-level key added to a shrunk oversize line, describing the original. */
export const TRUNCATION_KEY = "codexConvexTruncated";

/** Strings shorter than this (in UTF-16 units) are never cut by {@link shrinkOversizeLine}. */
const MIN_CUT_STRING_CHARS = 1_024;

/** Rounds of cutting before {@link shrinkOversizeLine} gives up and sends a stand-in. */
const MAX_SHRINK_ROUNDS = 8;

/** Bytes a cut marker (`…[codex-convex: N characters cut]…`) may add to a string, at most. */
const MARKER_ALLOWANCE_BYTES = 64;

/** Characters of the original line kept in a stand-in, when the line could not be shrunk as JSON. */
const STAND_IN_HEAD_CHARS = 64 * 1024;

/** How hard a commit is flushed to disk; see the module comment. */
export type OutboxSynchronous = "NORMAL" | "FULL";

/** Options of {@link Outbox.open}. */
export type OutboxOptions = {
  /** Durability of commits; default `"NORMAL"`. */
  synchronous?: OutboxSynchronous;
  /** Cap on unacknowledged line bytes, all sessions together; default {@link DEFAULT_MAX_PENDING_BYTES}. */
  maxPendingBytes?: number;
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

/** One row of the sessions table. */
export type SessionRecord = {
  sessionId: string;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  state: SessionLifecycle;
  meta: SessionMeta;
  /** Highest seq stored (0 when none); numbering continues from here even after prune. */
  lastSeq: number;
  /** Highest seq Convex acknowledged (0 when none). */
  ackedSeq: number;
};

/** One line to store. */
export type AppendItem = {
  origin: EventOrigin;
  /** The JSON text of the line, without its trailing newline. */
  line: string;
  /** Milliseconds since the Unix epoch; default: now. */
  receivedAt?: number;
};

/** Options of {@link Outbox.pending}. */
export type PendingOptions = {
  /** Return events with seq greater than this; default: the session's acked seq. */
  afterSeq?: number;
  /** Most events to return (≥ 1). */
  maxEvents: number;
  /**
   * Most bytes to return, counting each event's line plus {@link EVENT_OVERHEAD_BYTES}.
   * The first event is always returned, even when it alone is larger.
   */
  maxBytes: number;
};

/** Counters of one session, for status output and tests. */
export type SessionStats = {
  sessionId: string;
  state: SessionLifecycle;
  /** Events stored but not acknowledged by Convex. */
  pendingEvents: number;
  /** UTF-8 bytes of those events' lines. */
  pendingBytes: number;
  /** `receivedAt` (ms since epoch) of the oldest unacknowledged event, or null. */
  oldestPendingReceivedAt: number | null;
  lastSeq: number;
  ackedSeq: number;
  /** Rows in the events table, acknowledged-but-not-pruned and retained oversize ones included. */
  storedEvents: number;
};

type SessionRow = {
  session_id: string;
  created_at: number;
  state: SessionLifecycle;
  meta: string;
  last_seq: number;
  acked_seq: number;
  pending_bytes: number;
};

type EventRow = {
  seq: number;
  received_at: number;
  origin: EventOrigin;
  bytes: number;
  line: string;
};

/** Schema version 1. Foreign keys are not declared: append checks the session itself. */
const SCHEMA_V1 = `
-- Written by Outbox.createSession, updateSessionMeta and setSessionState (rows), and by
-- append and markAcked (last_seq, acked_seq, pending_bytes: in the same transaction as
-- the events they count). Read by the pusher (through pending/session) and the CLI.
CREATE TABLE sessions (
  session_id    TEXT PRIMARY KEY,
  created_at    INTEGER NOT NULL,
  state         TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
  meta          TEXT NOT NULL DEFAULT '{}',
  last_seq      INTEGER NOT NULL DEFAULT 0,
  acked_seq     INTEGER NOT NULL DEFAULT 0,
  pending_bytes INTEGER NOT NULL DEFAULT 0
);
-- Written by Outbox.append (insert), markAcked (acked = 1) and prune (delete); read by
-- Outbox.pending for the pusher. acked = 1 exactly when seq <= the session's acked_seq.
-- bytes (UTF-8 size of line) precedes line, so reading it skips a big line's overflow pages.
CREATE TABLE events (
  session_id  TEXT NOT NULL,
  seq         INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  origin      TEXT NOT NULL CHECK (origin IN ('codex', 'bridge')),
  bytes       INTEGER NOT NULL,
  acked       INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1)),
  line        TEXT NOT NULL,
  PRIMARY KEY (session_id, seq)
);
`;

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
  private readonly statements;
  private closed = false;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    maxPendingBytes: number,
  ) {
    this.maxPendingBytes = maxPendingBytes;
    this.statements = {
      insertSession: db.prepare(
        "INSERT INTO sessions (session_id, created_at, meta) VALUES (?, ?, ?)",
      ),
      getSession: db.prepare("SELECT * FROM sessions WHERE session_id = ?"),
      listSessions: db.prepare("SELECT * FROM sessions ORDER BY created_at, session_id"),
      setMeta: db.prepare("UPDATE sessions SET meta = ? WHERE session_id = ?"),
      setState: db.prepare("UPDATE sessions SET state = ? WHERE session_id = ?"),
      totalPendingBytes: db.prepare("SELECT COALESCE(SUM(pending_bytes), 0) AS total FROM sessions"),
      insertEvent: db.prepare(
        "INSERT INTO events (session_id, seq, received_at, origin, bytes, line) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      appended: db.prepare(
        "UPDATE sessions SET last_seq = ?, pending_bytes = pending_bytes + ? WHERE session_id = ?",
      ),
      pending: db.prepare(
        "SELECT seq, received_at, origin, bytes, line FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      ),
      bytesInRange: db.prepare(
        "SELECT COALESCE(SUM(bytes), 0) AS total FROM events WHERE session_id = ? AND seq > ? AND seq <= ?",
      ),
      ackRange: db.prepare(
        "UPDATE events SET acked = 1 WHERE session_id = ? AND seq > ? AND seq <= ?",
      ),
      acked: db.prepare(
        "UPDATE sessions SET acked_seq = ?, pending_bytes = pending_bytes - ? WHERE session_id = ?",
      ),
      prune: db.prepare(
        "DELETE FROM events WHERE session_id = ? AND seq <= ? AND acked = 1 AND bytes <= ?",
      ),
      oldestPending: db.prepare(
        "SELECT received_at FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT 1",
      ),
      countStored: db.prepare("SELECT COUNT(*) AS n FROM events WHERE session_id = ?"),
      getLine: db.prepare("SELECT line FROM events WHERE session_id = ? AND seq = ?"),
    };
  }

  /**
   * Opens (creating if needed, with its parent directory) the outbox at `path`
   * and brings its schema to {@link SCHEMA_VERSION}.
   *
   * @param path - File path, or `":memory:"` for a throwaway outbox (tests).
   * @param options - Durability and size cap; see {@link OutboxOptions}.
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
      return new Outbox(db, path, maxPendingBytes);
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
   * @returns The new session id (a random UUID).
   */
  createSession(meta: SessionMeta = {}): string {
    const sessionId = randomUUID();
    this.statements.insertSession.run(sessionId, Date.now(), JSON.stringify(meta));
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

  /**
   * Merges `patch` into the session's meta (e.g. the thread id once codex
   * reports it). Keys set to `undefined` are removed.
   * @throws BridgeError `INVALID_ARGUMENT` when the session is not in this outbox.
   */
  updateSessionMeta(sessionId: string, patch: SessionMeta): SessionMeta {
    return this.db
      .transaction(() => {
        const current = toSessionRecord(this.sessionRow(sessionId)).meta;
        const merged = JSON.parse(JSON.stringify({ ...current, ...patch })) as SessionMeta;
        this.statements.setMeta.run(JSON.stringify(merged), sessionId);
        return merged;
      })
      .immediate();
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
   * Stores lines in one transaction and gives each the next seq of the session
   * (last + 1, last + 2, ...). Either all of them are stored or none is.
   *
   * @param sessionId - A session from {@link Outbox.createSession}.
   * @param items - Lines in the order codex wrote them (all lines of one read).
   * @returns The seqs assigned, one per item, in order (empty for no items).
   * @throws BridgeError `OUTBOX_FULL` when storing them would take the
   *   unacknowledged bytes past `maxPendingBytes` (nothing is stored);
   *   `INVALID_ARGUMENT` for an unknown session or a malformed item.
   */
  append(sessionId: string, items: readonly AppendItem[]): number[] {
    if (items.length === 0) return [];
    const now = Date.now();
    const prepared = items.map((item, index) => {
      if (item.origin !== "codex" && item.origin !== "bridge") {
        throw new BridgeError("INVALID_ARGUMENT", `Item ${index}: origin must be "codex" or "bridge", got ${JSON.stringify(item.origin)}.`);
      }
      if (typeof item.line !== "string") {
        throw new BridgeError("INVALID_ARGUMENT", `Item ${index}: line must be a string.`);
      }
      const receivedAt = item.receivedAt ?? now;
      if (!Number.isFinite(receivedAt)) {
        throw new BridgeError("INVALID_ARGUMENT", `Item ${index}: receivedAt must be a finite number of ms.`);
      }
      return { origin: item.origin, line: item.line, receivedAt, bytes: Buffer.byteLength(item.line, "utf8") };
    });
    const addedBytes = prepared.reduce((sum, item) => sum + item.bytes, 0);
    return this.db
      .transaction(() => {
        const session = this.sessionRow(sessionId);
        const { total } = this.statements.totalPendingBytes.get() as { total: number };
        if (total + addedBytes > this.maxPendingBytes) {
          throw new BridgeError(
            "OUTBOX_FULL",
            `The outbox at ${this.path} already holds ${total} bytes that Convex has not acknowledged; ` +
              `${addedBytes} more would pass its limit of ${this.maxPendingBytes} bytes, so nothing of this write was stored. ` +
              "Check that the bridge can reach the Convex deployment (its last push error says why not), " +
              "pause reading codex until the pusher drains, or open the outbox with a larger maxPendingBytes.",
          );
        }
        let seq = session.last_seq;
        const seqs: number[] = [];
        for (const item of prepared) {
          seq += 1;
          this.statements.insertEvent.run(sessionId, seq, item.receivedAt, item.origin, item.bytes, item.line);
          seqs.push(seq);
        }
        this.statements.appended.run(seq, addedBytes, sessionId);
        return seqs;
      })
      .immediate();
  }

  /**
   * The events to push next: stored events with seq greater than `afterSeq`,
   * in seq order, acknowledged or not (so the pusher can rewind on a gap).
   *
   * Batches stop at `maxEvents` or `maxBytes`, but always hold at least one
   * event. A line over {@link MAX_PUSHED_LINE_BYTES} is returned shrunk by
   * {@link shrinkOversizeLine}: same seq, cut to fit one mutation; the full line
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
   * @returns How many events became acknowledged.
   * @throws BridgeError `SESSION_MISMATCH` when `throughSeq` is past the last
   *   stored seq (Convex knows events this outbox never stored: the outbox and
   *   the deployment disagree about the session); `INVALID_ARGUMENT` for an
   *   unknown session.
   */
  markAcked(sessionId: string, throughSeq: number): number {
    return this.db
      .transaction(() => {
        const session = this.sessionRow(sessionId);
        if (throughSeq <= session.acked_seq) return 0;
        if (throughSeq > session.last_seq) {
          throw new BridgeError(
            "SESSION_MISMATCH",
            `Convex acknowledged seq ${throughSeq} of session ${sessionId}, but the outbox at ${this.path} only stored up to seq ${session.last_seq}. ` +
              "The outbox and the Convex deployment disagree about this session (outbox restored from a backup, or a session id reused?); start a new session.",
          );
        }
        const { total } = this.statements.bytesInRange.get(sessionId, session.acked_seq, throughSeq) as { total: number };
        this.statements.ackRange.run(sessionId, session.acked_seq, throughSeq);
        this.statements.acked.run(throughSeq, total, sessionId);
        return throughSeq - session.acked_seq;
      })
      .immediate();
  }

  /**
   * Deletes the session's acknowledged events, except lines over
   * {@link MAX_PUSHED_LINE_BYTES} (Convex only got a shrunk copy; the original stays
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

  /** Closes the database. Further calls on this instance throw; closing twice is a no-op. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private statsOf(row: SessionRow): SessionStats {
    const oldest = this.statements.oldestPending.get(row.session_id, row.acked_seq) as
      | { received_at: number }
      | undefined;
    const { n } = this.statements.countStored.get(row.session_id) as { n: number };
    return {
      sessionId: row.session_id,
      state: row.state,
      pendingEvents: row.last_seq - row.acked_seq,
      pendingBytes: row.pending_bytes,
      oldestPendingReceivedAt: oldest?.received_at ?? null,
      lastSeq: row.last_seq,
      ackedSeq: row.acked_seq,
      storedEvents: n,
    };
  }

  private sessionRow(sessionId: string): SessionRow {
    const row = this.statements.getSession.get(sessionId) as SessionRow | undefined;
    if (!row) throw unknownSession(sessionId, this.path);
    return row;
  }
}

/**
 * Makes an oversize line fit in `maxBytes` (UTF-8) so it can travel in one
 * mutation. The rule:
 *
 * 1. When the line is a JSON object, its long string values (command output,
 *    file contents, ...) are cut in the middle, the longest ones first and down
 *    to a common length, keeping each one's head and tail around a
 *    `…[codex-convex: N characters cut]…` marker, until the line fits.
 *    The object gains a top-level {@link TRUNCATION_KEY} field
 *    `{ originalBytes, sha256 }` (sha256 of the original line, hex), so the
 *    Convex side and readers can tell; `method`, `id` and the item's ids are
 *    untouched, so an `item/completed` still completes its item. Origin is kept.
 * 2. Otherwise (not JSON, or no string long enough to cut) the event becomes a
 *    bridge stand-in `{"method":"bridge/lineTooLarge","params":{origin,
 *    originalBytes, sha256, head}}` with origin `"bridge"`.
 *
 * Either way the seq is kept, so Convex sees no gap, and the full original stays
 * in the outbox.
 *
 * @param line - The stored line.
 * @param origin - The stored origin.
 * @param maxBytes - Largest allowed UTF-8 size of the result, in bytes.
 * @returns The line and origin to push; the line is at most `maxBytes` bytes.
 */
export function shrinkOversizeLine(
  line: string,
  origin: EventOrigin,
  maxBytes: number,
): { line: string; origin: EventOrigin } {
  const originalBytes = Buffer.byteLength(line, "utf8");
  if (originalBytes <= maxBytes) return { line, origin };
  const sha256 = createHash("sha256").update(line, "utf8").digest("hex");
  const parsed = tryParse(line);
  if (isObject(parsed)) {
    parsed[TRUNCATION_KEY] = { originalBytes, sha256 };
    const text = shrinkJson(parsed, maxBytes);
    if (text !== null) return { line: text, origin };
  }
  const standIn = (head: string) =>
    JSON.stringify({ method: "bridge/lineTooLarge", params: { origin, originalBytes, sha256, head } });
  let headChars = Math.min(STAND_IN_HEAD_CHARS, Math.floor(maxBytes / 8));
  let text = standIn(safeSlice(line, headChars));
  while (Buffer.byteLength(text, "utf8") > maxBytes && headChars > 0) {
    headChars = Math.floor(headChars / 2);
    text = standIn(safeSlice(line, headChars));
  }
  return { line: text, origin: "bridge" };
}

/**
 * Cuts the long strings of `root` (in place) until its JSON fits in `maxBytes`.
 * Each round "water-fills": it finds the encoded size `level` such that cutting
 * every longer string down to `level` frees the excess, so big strings share
 * the cut rather than the longest one vanishing. A round frees at least the
 * excess when the text is uniform; uneven text may need another round.
 * @returns The JSON text, or null when no string long enough is left to cut.
 */
function shrinkJson(root: Record<string, unknown>, maxBytes: number): string | null {
  for (let round = 0; round < MAX_SHRINK_ROUNDS; round++) {
    const text = JSON.stringify(root);
    const excess = Buffer.byteLength(text, "utf8") - maxBytes;
    if (excess <= 0) return text;
    const slots = collectStrings(root)
      .filter((slot) => slot.value.length >= MIN_CUT_STRING_CHARS)
      .map((slot) => ({ ...slot, encoded: Buffer.byteLength(JSON.stringify(slot.value), "utf8") }))
      .sort((a, b) => b.encoded - a.encoded);
    if (slots.length === 0) return null;
    const level = waterLevel(slots.map((slot) => slot.encoded), excess);
    for (const slot of slots) {
      if (slot.encoded <= level) break;
      const keep = Math.floor((slot.value.length * level) / slot.encoded);
      slot.set(cutMiddle(slot.value, keep));
    }
  }
  return null;
}

/**
 * The largest level such that cutting every size above it down to it frees
 * `need` bytes plus {@link MARKER_ALLOWANCE_BYTES} per cut string.
 * @param sizes - Encoded sizes in bytes, largest first.
 */
function waterLevel(sizes: readonly number[], need: number): number {
  let sum = 0;
  for (let k = 1; k <= sizes.length; k++) {
    sum += sizes[k - 1] ?? 0;
    const level = (sum - k * MARKER_ALLOWANCE_BYTES - need) / k;
    if (level >= (sizes[k] ?? 0)) return Math.max(0, Math.floor(level));
  }
  return 0;
}

/** Keeps `keep` UTF-16 units of `value`, half from its head and half from its tail, marking the cut. */
function cutMiddle(value: string, keep: number): string {
  const headLength = Math.ceil(keep / 2);
  const head = safeSlice(value, headLength);
  const tail = safeTail(value, keep - headLength);
  const removed = value.length - head.length - tail.length;
  return `${head}…[codex-convex: ${removed} characters cut]…${tail}`;
}

/** The first `length` UTF-16 units of `value`, one fewer if that would split a surrogate pair. */
function safeSlice(value: string, length: number): string {
  if (length <= 0) return "";
  const end = isHighSurrogate(value.charCodeAt(length - 1)) ? length - 1 : length;
  return value.slice(0, end);
}

/** The last `length` UTF-16 units of `value`, one fewer if that would split a surrogate pair. */
function safeTail(value: string, length: number): string {
  if (length <= 0) return "";
  let start = value.length - length;
  if (isLowSurrogate(value.charCodeAt(start))) start += 1;
  return value.slice(start);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

type StringSlot = { value: string; set: (value: string) => void };

/** Every string value (not key) inside `root`, with a setter to replace it. */
function collectStrings(root: Record<string, unknown> | unknown[]): StringSlot[] {
  const slots: StringSlot[] = [];
  const stack: Array<Record<string, unknown> | unknown[]> = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const container = node as Record<string | number, unknown>;
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const key of keys) {
      const value = container[key];
      if (typeof value === "string") {
        slots.push({ value, set: (next) => (container[key] = next) });
      } else if (isObject(value) || Array.isArray(value)) {
        stack.push(value);
      }
    }
  }
  return slots;
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version === SCHEMA_VERSION) return;
    if (version > SCHEMA_VERSION) {
      throw new BridgeError(
        "OUTBOX_CORRUPT",
        `The outbox at ${path} has schema version ${version}, newer than this codex-convex understands (${SCHEMA_VERSION}). ` +
          "Upgrade codex-convex, or point the bridge at another outbox file.",
      );
    }
    const tables = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
    if (tables.n > 0) {
      throw new BridgeError(
        "OUTBOX_CORRUPT",
        `The file at ${path} is an SQLite database but not a codex-convex outbox (it has tables and no schema version). ` +
          "Point the bridge at another outbox path.",
      );
    }
    db.exec(SCHEMA_V1);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function toSessionRecord(row: SessionRow): SessionRecord {
  return {
    sessionId: row.session_id,
    createdAt: row.created_at,
    state: row.state,
    meta: JSON.parse(row.meta) as SessionMeta,
    lastSeq: row.last_seq,
    ackedSeq: row.acked_seq,
  };
}

function unknownSession(sessionId: string, path: string): BridgeError {
  return new BridgeError(
    "INVALID_ARGUMENT",
    `No session ${sessionId} in the outbox at ${path}; create it with createSession first.`,
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
