/**
 * Records of the bridge's serve mode that change state:
 * `bridge/serverRequestExpired` (`{requestId: <JSON-RPC id>, reason}`) marks
 * the session's open request with that id `expired` (its id died with a codex
 * or bridge restart), so no request stays pending forever. The bridge's
 * `bridge/command` outcome lines are kept in the thread's event log (the
 * command row itself is finished by `completeCommand`).
 */
import { MAX_SUMMARY_FIELD_CHARS } from "../../src/shared/limits.js";
import { type JsonObject, stringField } from "./decode.js";
import { requestKey } from "./serverRequests.js";
import type { ThreadWriter } from "./writer.js";

/** Most rows sharing one JSON-RPC id a lookup reads (ids repeat only when codex restarts). */
const MAX_ROWS_PER_REQUEST_ID = 8;

/** Applies `bridge/serverRequestExpired`. @returns false when no open request has that id (the line is logged). */
async function serverRequestExpired(writer: ThreadWriter, params: JsonObject): Promise<boolean> {
  const id = params.requestId;
  if (typeof id !== "string" && typeof id !== "number") return false;
  const rows = await writer.ctx.db
    .query("serverRequests")
    .withIndex("by_sessionRef_requestId", (q) => q.eq("sessionRef", writer.session._id).eq("requestId", requestKey(id)))
    .order("desc")
    .take(MAX_ROWS_PER_REQUEST_ID);
  const open = rows.find((r) => r.status === "pending" || r.status === "answered");
  if (open === undefined) return false;
  const reason = (stringField(params, "reason") ?? "the bridge or codex restarted").slice(0, MAX_SUMMARY_FIELD_CHARS);
  await writer.ctx.db.patch("serverRequests", open._id, { status: "expired", expiredReason: reason, resolvedAt: writer.now });
  return true;
}

/** Serve-mode records of the bridge that change state, by method. */
export const STEER_BRIDGE_HANDLERS: Readonly<Record<string, (writer: ThreadWriter, params: JsonObject) => Promise<boolean>>> = {
  "bridge/serverRequestExpired": serverRequestExpired,
};
