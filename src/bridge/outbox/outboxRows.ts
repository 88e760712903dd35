/** Rows of the outbox tables, their prepared statements, and the pure helpers around them. */
import type Database from "better-sqlite3";
import type { EventOrigin } from "../../shared/validators.js";
import { BridgeError } from "../errors.js";
import type { AppendItem, SessionLifecycle, SessionMeta, SessionRecord } from "./outboxTypes.js";

/** A row of `sessions` (schema version 3). */
export type SessionRow = {
  session_id: string;
  created_at: number;
  state: SessionLifecycle;
  meta: string;
  last_seq: number;
  acked_seq: number;
  pending_bytes: number;
  owner_pid: number | null;
  owner_token: string | null;
  job_id: string | null;
  last_push_at: number | null;
  last_error: string | null;
  last_error_at: number | null;
  push_stopped: string | null;
};

/** A row of `events`, as `pending` reads it. */
export type EventRow = {
  seq: number;
  received_at: number;
  origin: EventOrigin;
  bytes: number;
  line: string;
};

/** The SQL of every statement the outbox runs, by name. */
const SQL = {
  insertSession: "INSERT INTO sessions (session_id, created_at, meta, job_id) VALUES (?, ?, ?, ?)",
  getSession: "SELECT * FROM sessions WHERE session_id = ?",
  listSessions: "SELECT * FROM sessions ORDER BY created_at, session_id",
  byJob: "SELECT * FROM sessions WHERE job_id = ? ORDER BY created_at DESC, session_id LIMIT 1",
  setMeta: "UPDATE sessions SET meta = ? WHERE session_id = ?",
  setState: "UPDATE sessions SET state = ? WHERE session_id = ?",
  setOwner: "UPDATE sessions SET owner_pid = ?, owner_token = ?, owner_claimed_at = ?, push_stopped = NULL WHERE session_id = ?",
  clearOwner: "UPDATE sessions SET owner_pid = NULL, owner_token = NULL, owner_claimed_at = NULL WHERE session_id = ?",
  setError: "UPDATE sessions SET last_error = ?, last_error_at = ?, push_stopped = COALESCE(?, push_stopped) WHERE session_id = ?",
  totalPendingBytes: "SELECT COALESCE(SUM(pending_bytes), 0) AS total FROM sessions",
  insertEvent: "INSERT INTO events (session_id, seq, received_at, origin, bytes, line) VALUES (?, ?, ?, ?, ?, ?)",
  appended: "UPDATE sessions SET last_seq = ?, pending_bytes = pending_bytes + ? WHERE session_id = ?",
  pending: "SELECT seq, received_at, origin, bytes, line FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
  bytesInRange: "SELECT COALESCE(SUM(bytes), 0) AS total FROM events WHERE session_id = ? AND seq > ? AND seq <= ?",
  ackRange: "UPDATE events SET acked = 1 WHERE session_id = ? AND seq > ? AND seq <= ?",
  acked: "UPDATE sessions SET acked_seq = ?, pending_bytes = pending_bytes - ?, last_push_at = COALESCE(?, last_push_at) WHERE session_id = ?",
  pushedAt: "UPDATE sessions SET last_push_at = ? WHERE session_id = ?",
  prune: "DELETE FROM events WHERE session_id = ? AND seq <= ? AND acked = 1 AND bytes <= ?",
  oldestPending: "SELECT received_at FROM events WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT 1",
  countStored: "SELECT COUNT(*) AS n FROM events WHERE session_id = ?",
  getLine: "SELECT line FROM events WHERE session_id = ? AND seq = ?",
} as const;

/** The outbox's statements, prepared once per connection. */
export type OutboxStatements = { [K in keyof typeof SQL]: Database.Statement };

/** Prepares every statement of {@link SQL} on `db`. */
export function prepareStatements(db: Database.Database): OutboxStatements {
  return Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, db.prepare(sql)])) as OutboxStatements;
}

/** Checks one item of `Outbox.append` and measures it. @throws BridgeError `INVALID_ARGUMENT`. */
export function prepareItem(item: AppendItem, index: number, now: number) {
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
}

/** A sessions row as the API shape. */
export function toSessionRecord(row: SessionRow): SessionRecord {
  return {
    sessionId: row.session_id,
    createdAt: row.created_at,
    state: row.state,
    meta: JSON.parse(row.meta) as SessionMeta,
    jobId: row.job_id,
    lastSeq: row.last_seq,
    ackedSeq: row.acked_seq,
    ownerPid: row.owner_pid,
    lastPushAt: row.last_push_at,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    pushStopped: row.push_stopped,
  };
}

/** The error for a session id not in the outbox at `path`. */
export function unknownSession(sessionId: string, path: string): BridgeError {
  return new BridgeError(
    "INVALID_ARGUMENT",
    `No session ${sessionId} in the outbox at ${path}; create it with createSession first.`,
  );
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
