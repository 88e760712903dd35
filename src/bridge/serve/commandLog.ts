/**
 * The bridge's local record of the commands it claimed, in the outbox file
 * (its own table, `serve_commands`, on its own connection), written BEFORE
 * each step it records:
 *
 *   claiming ── claimCommand ──▶ claimed ── (about to write to codex) ──▶ sent
 *        │                          │                                      │
 *        └──────────────────────────┴────────── finished (outcome known) ◀─┘
 *                                                    │ completeCommand answered
 *                                                    ▼
 *                                                 reported
 *
 * A command id in this table is never run again, whatever the subscription
 * shows. After a crash (`kill -9`), {@link CommandLog.recover} turns every row
 * of a dead process into an outcome to report:
 * - `claiming` / `claimed`: nothing reached codex → failed `BRIDGE_RESTARTED`
 *   ("not run; safe to send again");
 * - `sent`: the request was written to codex (or about to be) → done, with the
 *   thread it went to (the turn, if any, was recorded failed with the session);
 * - `finished`: its recorded outcome.
 */
import Database from "better-sqlite3";
import { processToken } from "../outbox/processIdentity.js";
import type { CommandOutcome, DeviceCommand } from "./commandSource.js";

/** How long reported rows are kept (to ignore a late duplicate delivery), in ms. */
export const REPORTED_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Error code of a command a restarted bridge reports failed because it never reached codex. */
export const BRIDGE_RESTARTED = "BRIDGE_RESTARTED";

/** Where a claimed command is (see the module comment). */
export type CommandLogState = "claiming" | "claimed" | "sent" | "finished" | "reported";

/** One row. */
export type CommandLogEntry = {
  commandId: string;
  kind: string;
  threadId: string | null;
  sessionId: string | null;
  state: CommandLogState;
  outcome: CommandOutcome | null;
  ownerPid: number;
  updatedAt: number;
};

const SCHEMA = `
-- Written by the serve loop (CommandLog) before each step of a command it claimed; read on start
-- to finish what a dead bridge left. Kept apart from the outbox's own tables and migrations.
CREATE TABLE IF NOT EXISTS serve_commands (
  command_id  TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  thread_id   TEXT,
  session_id  TEXT,
  state       TEXT NOT NULL CHECK (state IN ('claiming', 'claimed', 'sent', 'finished', 'reported')),
  outcome     TEXT,
  owner_pid   INTEGER NOT NULL,
  owner_token TEXT,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS serve_commands_by_state ON serve_commands (state);
`;

type Row = {
  command_id: string;
  kind: string;
  thread_id: string | null;
  session_id: string | null;
  state: CommandLogState;
  outcome: string | null;
  owner_pid: number;
  owner_token: string | null;
  updated_at: number;
};

/** See the module comment. */
export class CommandLog {
  private constructor(
    private readonly db: Database.Database,
    private readonly pid: number,
    private readonly tokenOf: (pid: number) => string | null,
    /** This process's incarnation (pid + start time), so a reused pid is not taken for a live owner. */
    private readonly token: string | null = tokenOf(pid),
  ) {}

  /**
   * Opens the log in the outbox file at `path` (creating its table).
   * @param options - `pid`: this process (tests); `processToken`: a process's incarnation token, null when gone (tests).
   */
  static open(path: string, options: { pid?: number; processToken?: (pid: number) => string | null } = {}): CommandLog {
    const db = new Database(path);
    db.pragma("busy_timeout = 5000");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(SCHEMA);
    return new CommandLog(db, options.pid ?? process.pid, options.processToken ?? processToken);
  }

  /** Whether this command id was ever claimed (or is being claimed) here. */
  has(commandId: string): boolean {
    return this.db.prepare("SELECT 1 FROM serve_commands WHERE command_id = ?").get(commandId) !== undefined;
  }

  /** Records that a claim is about to be made. @returns false when the id is already known (never claim twice). */
  claiming(command: Pick<DeviceCommand, "commandId" | "kind" | "threadId">): boolean {
    const { changes } = this.db
      .prepare(
        "INSERT OR IGNORE INTO serve_commands (command_id, kind, thread_id, state, owner_pid, owner_token, updated_at) VALUES (?, ?, ?, 'claiming', ?, ?, ?)",
      )
      .run(command.commandId, command.kind, command.threadId ?? null, this.pid, this.token, Date.now());
    return changes === 1;
  }

  /** The host refused the claim (not queued any more): forget the row, nothing ran. */
  unclaimed(commandId: string): void {
    this.db.prepare("DELETE FROM serve_commands WHERE command_id = ? AND state = 'claiming'").run(commandId);
  }

  /** The claim succeeded. */
  claimed(commandId: string): void {
    this.set(commandId, "claimed");
  }

  /** About to write the command's request to codex: from now on it counts as sent, and is never sent again. */
  sent(commandId: string, where: { threadId?: string | null; sessionId?: string | null }): void {
    this.db
      .prepare("UPDATE serve_commands SET state = 'sent', thread_id = COALESCE(?, thread_id), session_id = COALESCE(?, session_id), updated_at = ? WHERE command_id = ?")
      .run(where.threadId ?? null, where.sessionId ?? null, Date.now(), commandId);
  }

  /** The outcome is known (to be reported). */
  finished(commandId: string, outcome: CommandOutcome, where: { threadId?: string | null; sessionId?: string | null } = {}): void {
    this.db
      .prepare(
        "UPDATE serve_commands SET state = 'finished', outcome = ?, thread_id = COALESCE(?, thread_id), session_id = COALESCE(?, session_id), updated_at = ? WHERE command_id = ?",
      )
      .run(JSON.stringify(outcome), where.threadId ?? null, where.sessionId ?? null, Date.now(), commandId);
  }

  /** `completeCommand` answered. */
  reported(commandId: string): void {
    this.set(commandId, "reported");
  }

  /** One row, or null. */
  get(commandId: string): CommandLogEntry | null {
    const row = this.db.prepare("SELECT * FROM serve_commands WHERE command_id = ?").get(commandId) as Row | undefined;
    return row ? toEntry(row) : null;
  }

  /**
   * Turns the unreported rows of dead processes (and of this pid, from an
   * earlier life) into outcomes, as the module comment says, and marks them
   * `finished`; prunes old reported rows.
   * @returns the rows to report, with their outcomes.
   */
  recover(): CommandLogEntry[] {
    const rows = this.db.prepare("SELECT * FROM serve_commands WHERE state != 'reported' ORDER BY updated_at").all() as Row[];
    const recovered: CommandLogEntry[] = [];
    for (const row of rows) {
      if (row.owner_pid !== this.pid && row.owner_token !== null && this.tokenOf(row.owner_pid) === row.owner_token) continue;
      const entry = toEntry(row);
      const outcome = entry.outcome ?? restartOutcome(entry);
      this.db.prepare("UPDATE serve_commands SET state = 'finished', outcome = ?, owner_pid = ?, updated_at = ? WHERE command_id = ?").run(
        JSON.stringify(outcome),
        this.pid,
        Date.now(),
        row.command_id,
      );
      recovered.push({ ...entry, state: "finished", outcome, ownerPid: this.pid });
    }
    this.db.prepare("DELETE FROM serve_commands WHERE state = 'reported' AND updated_at < ?").run(Date.now() - REPORTED_RETENTION_MS);
    return recovered;
  }

  close(): void {
    this.db.close();
  }

  private set(commandId: string, state: CommandLogState): void {
    this.db.prepare("UPDATE serve_commands SET state = ?, updated_at = ? WHERE command_id = ?").run(state, Date.now(), commandId);
  }
}

/** The outcome of a command whose bridge died before it knew one. */
function restartOutcome(entry: CommandLogEntry): CommandOutcome {
  if (entry.state === "sent") {
    return { result: entry.threadId ? { threadId: entry.threadId } : {} };
  }
  return {
    error: {
      code: BRIDGE_RESTARTED,
      message: "The bridge stopped after claiming this command and before sending it to codex; it was not run. It is safe to send it again.",
    },
  };
}

function toEntry(row: Row): CommandLogEntry {
  return {
    commandId: row.command_id,
    kind: row.kind,
    threadId: row.thread_id,
    sessionId: row.session_id,
    state: row.state,
    outcome: row.outcome ? (JSON.parse(row.outcome) as CommandOutcome) : null,
    ownerPid: row.owner_pid,
    updatedAt: row.updated_at,
  };
}
