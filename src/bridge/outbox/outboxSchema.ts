/**
 * The outbox's SQLite schema and its migrations. The version lives in
 * `PRAGMA user_version`; each step runs in one immediate transaction, so a
 * crash mid-migration leaves the previous version intact.
 */
import type Database from "better-sqlite3";
import { BridgeError } from "../errors.js";

/** Version of the schema this code writes, stored in `PRAGMA user_version`. */
export const SCHEMA_VERSION = 3;

/** Version 1: sessions and events. Foreign keys are not declared: append checks the session itself. */
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
 * Version 2: who runs a session, which job it belongs to, and how its pushes
 * went, so a restarted bridge can resume it and `codex-convex status` can
 * report it from the file alone.
 */
const MIGRATE_V1_TO_V2 = `
-- owner_*: written by Outbox.claimSession / releaseSession; read by claimSession in
-- other processes (a session is run by one live process at a time) and the CLI.
ALTER TABLE sessions ADD COLUMN owner_pid INTEGER;
ALTER TABLE sessions ADD COLUMN owner_claimed_at INTEGER;
-- job_id: written by createSession; read by the bridge to continue a job after a restart.
ALTER TABLE sessions ADD COLUMN job_id TEXT;
-- last_push_at, last_error*: written by the pusher (markAcked, recordPushError); read by the CLI.
ALTER TABLE sessions ADD COLUMN last_push_at INTEGER;
ALTER TABLE sessions ADD COLUMN last_error TEXT;
ALTER TABLE sessions ADD COLUMN last_error_at INTEGER;
CREATE INDEX sessions_by_job_id ON sessions (job_id);
`;

/**
 * Version 3: the owner's incarnation (so a reused pid is not taken for the
 * owner; see `processIdentity.ts`), and whether pushing stopped on a
 * permanent error (so `codex-convex status` can say so from the file).
 */
const MIGRATE_V2_TO_V3 = `
-- owner_token: written by Outbox.claimSession with owner_pid (the owner's start-time token);
-- read by claimSession and stats. NULL for owners recorded by version 2 (pid only).
ALTER TABLE sessions ADD COLUMN owner_token TEXT;
-- push_stopped: the permanent error code the pusher stopped on (recordPushError), or NULL;
-- cleared by claimSession (a new owner tries again). Read by the CLI.
ALTER TABLE sessions ADD COLUMN push_stopped TEXT;
`;

/** Steps from version N − 1 to N, indexed by N. */
const STEPS: Record<number, string> = { 1: SCHEMA_V1, 2: MIGRATE_V1_TO_V2, 3: MIGRATE_V2_TO_V3 };

/**
 * Brings the database at `path` to {@link SCHEMA_VERSION}, one version per
 * transaction. A fresh, empty database gets every step.
 *
 * @throws BridgeError `OUTBOX_CORRUPT` when the file was written by a newer
 *   codex-convex, or is an SQLite database that is not an outbox.
 * @internal Used by `Outbox` only; left out of the published types so they
 *   do not need better-sqlite3's.
 */
export function migrate(db: Database.Database, path: string): void {
  for (;;) {
    const done = db
      .transaction(() => {
        const version = db.pragma("user_version", { simple: true }) as number;
        if (version === SCHEMA_VERSION) return true;
        if (version > SCHEMA_VERSION) {
          throw new BridgeError(
            "OUTBOX_CORRUPT",
            `The outbox at ${path} has schema version ${version}, newer than this codex-convex understands (${SCHEMA_VERSION}). ` +
              "Upgrade codex-convex, or point the bridge at another outbox file.",
          );
        }
        if (version === 0) {
          const tables = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number };
          if (tables.n > 0) {
            throw new BridgeError(
              "OUTBOX_CORRUPT",
              `The file at ${path} is an SQLite database but not a codex-convex outbox (it has tables and no schema version). ` +
                "Point the bridge at another outbox path.",
            );
          }
        }
        db.exec(STEPS[version + 1] ?? "");
        db.pragma(`user_version = ${version + 1}`);
        return false;
      })
      .immediate();
    if (done) return;
  }
}
