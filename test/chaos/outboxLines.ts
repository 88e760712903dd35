/** Reading a kept outbox (`--keep-acked`) back, to compare it with what codex printed. */
import Database from "better-sqlite3";

/** One stored row. */
export type StoredLine = { sessionId: string; seq: number; origin: string; line: string };

/** Every row of the outbox at `path`, by session then seq (read-only). */
export function storedLines(path: string): StoredLine[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT session_id, seq, origin, line FROM events ORDER BY session_id, seq").all() as Array<{
      session_id: string;
      seq: number;
      origin: string;
      line: string;
    }>).map((row) => ({ sessionId: row.session_id, seq: row.seq, origin: row.origin, line: row.line }));
  } finally {
    db.close();
  }
}
