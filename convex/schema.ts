import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { rateLimitTables } from "convex-helpers/server/rateLimit";
import {
  vLoggedEventFields,
  vMessage,
  vServerRequestFields,
  vStreamKind,
  vStreamState,
  vThreadFields,
  vTimeouts,
  vTurnFields,
  vCommandFields,
  vWorkspace,
} from "../src/shared/validators.js";

export default defineSchema({
  // Written by sessions.ensureSession, ingest.ingestSafe (lastSeenAt, at most
  // once per LAST_SEEN_STAMP_MAX_MS; loggedEvents) and the session watchdog
  // (stale); read by ingest to find the session, and by sessions.list.
  sessions: defineTable({
    sessionId: v.string(),
    userId: v.string(),
    /**
     * Highest seq applied when the session was created (0). Since then the
     * session's `sessionAcks` row holds it: see lib/sessionAck.ts.
     */
    ackedSeq: v.number(),
    /** The session's acknowledgement row (highest seq applied); absent for sessions created before it. */
    ackRef: v.optional(v.id("sessionAcks")),
    codexVersion: v.optional(v.string()),
    hostname: v.optional(v.string()),
    /** Milliseconds since the Unix epoch of a call: ingest's lags its last call by at most lib/sessionWatch.ts `lastSeenStampMs` (≤ 1 min). */
    lastSeenAt: v.number(),
    /** Set by the session watchdog after `sessionStaleMs` without a call; cleared by the next call. */
    stale: v.optional(v.boolean()),
    /** When the watchdog is due next (ms since the epoch); absent when none is scheduled. */
    watchdogAt: v.optional(v.number()),
    timeouts: v.optional(vTimeouts),
    /** Events without a thread kept in the log for this session. */
    loggedEvents: v.optional(v.number()),
    /** The paired device whose secret opened the session (absent for user-JWT bridges). */
    deviceId: v.optional(v.id("devices")),
  })
    .index("by_userId_sessionId", ["userId", "sessionId"])
    .index("by_userId_lastSeenAt", ["userId", "lastSeenAt"]),

  // One per session (its `ackRef`): the highest seq applied, contiguous from 1.
  // Kept apart from the session so the one write every ingest batch makes to
  // deduplicate and order events is 81 bytes, not the whole session document.
  // Written by sessions.ensureSession (created) and ingest.ingestSafe; read by
  // ingest, sessions.ensureSession and sessions.list (lib/sessionAck.ts).
  sessionAcks: defineTable({
    ackedSeq: v.number(),
  }),

  // Written by ingest (thread notifications and the first event naming a
  // thread); read by every query to check ownership. Keyed by (userId,
  // threadId): users never share a thread, even under the same codex thread
  // id, and every child row below points at its thread document (`threadRef`).
  threads: defineTable({
    ...vThreadFields,
    /** A `thread/revert` the bridge sent, until codex's `thread/reverted` applies it. */
    pendingRevert: v.optional(v.object({ beforeTurnId: v.string() })),
    /** Events of this thread kept in the log (bounded by MAX_LOGGED_EVENTS_PER_THREAD). */
    loggedEvents: v.optional(v.number()),
    /** Order the next new item of this thread gets. */
    nextItemOrder: v.number(),
    /** Order the next new turn of this thread gets. */
    nextTurnOrder: v.number(),
  })
    .index("by_userId_threadId", ["userId", "threadId"])
    .index("by_userId_updatedAt", ["userId", "updatedAt"]),

  // Written by ingest (turn notifications, the first event naming a turn),
  // the turn watchdog and the revert job; read by turns.list and turns.getDiff.
  turns: defineTable({
    ...vTurnFields,
    threadRef: v.id("threads"),
    /** Order of the turn's first message, so a revert knows where its items begin. */
    firstItemOrder: v.optional(v.number()),
  })
    .index("by_threadRef_turnId", ["threadRef", "turnId"])
    .index("by_threadRef_order", ["threadRef", "order"]),

  // One per Codex item of a turn, keyed by (thread, turn, item): a rerun turn
  // whose model reuses an item id gets a message of its own. Written by ingest on item/started, item/completed,
  // item notifications and the first delta of an item, by turn ends
  // (unfinished items) and by compaction (their folded text); read by
  // messages.list and messages.getText.
  messages: defineTable({
    ...vMessage.fields,
    threadRef: v.id("threads"),
    /**
     * The whole text is kept once, as this stream's text (its base parts, then
     * its chunks), not in the message's own parts: the first `textLength`
     * code units of it. Set by item/completed when the streamed text equals
     * the item's (compared in full, lib/textInStream.ts); `textParts` is then 0.
     */
    textStream: v.optional(v.id("streams")),
  })
    .index("by_threadRef_turnId_itemId", ["threadRef", "turnId", "itemId"])
    .index("by_threadRef_itemId", ["threadRef", "itemId"])
    .index("by_threadRef_order", ["threadRef", "order"])
    .index("by_threadRef_turnId_status", ["threadRef", "turnId", "status"]),

  // One per streaming text of an item of a turn, keyed by (thread, turn, item,
  // kind, part); never reopened once finished. Written by ingest when it is
  // created, finishes or needs compaction (NOT per batch: where it ends is
  // derived from its newest chunk, lib/streamHead.ts), by compaction and
  // expiry; read by messages.list streamArgs.
  streams: defineTable({
    threadId: v.string(),
    threadRef: v.id("threads"),
    turnId: v.string(),
    itemId: v.string(),
    kind: vStreamKind,
    part: v.number(),
    state: vStreamState,
    /** Cursor after the last delta as of this document's last write; the live one is derived (lib/streamHead.ts). */
    nextCursor: v.number(),
    /** Last change of this document (ms since the epoch); the live one is derived (lib/streamHead.ts). */
    updatedAt: v.number(),
    finishedAt: v.optional(v.number()),
    /** Deltas before this cursor were folded into the stream's base text (parts, field "base"). */
    compactedCursor: v.optional(v.number()),
    baseLength: v.optional(v.number()),
    baseParts: v.optional(v.number()),
    /** No longer written (stored chunks are bounded by cursor arithmetic, lib/streamWriter.ts); kept so streams stored before stay valid. */
    deltaCount: v.optional(v.number()),
    /** UTF-8 bytes of the text folded into the base (before `compactedCursor`); the whole size is derived (lib/streamHead.ts). */
    textBytes: v.optional(v.number()),
    /** commandOutput: UTF-8 bytes of the item's `aggregatedOutput`, set on item/completed. */
    reportedBytes: v.optional(v.number()),
    /**
     * agentMessage, plan: the message's (short, inline) text equals this
     * stream's text up to this cursor, compared in full on item/completed.
     * While the stream still ends there, compaction keeps no base of its own.
     */
    messageCursor: v.optional(v.number()),
    /**
     * The streamed text equals the message text (a command output of the size
     * reported, or an agent message or plan up to `messageCursor`), so
     * compaction stored no base of its own: rebased readers read the message
     * text (one copy of a big output, not two).
     */
    baseInMessage: v.optional(v.boolean()),
    /** Kept for good: its text differs from what codex reported (`outputIncomplete`); never expired. */
    durable: v.optional(v.boolean()),
    /**
     * Its text is its message's durable text (the message's `textStream`):
     * compaction folds every chunk into the base (the one copy), and expiry
     * keeps the stream and its base for good.
     */
    holdsMessageText: v.optional(v.boolean()),
    compactScheduled: v.optional(v.boolean()),
    expireScheduled: v.optional(v.boolean()),
  })
    .index("by_threadRef_turnId_itemId_kind_part", ["threadRef", "turnId", "itemId", "kind", "part"])
    .index("by_threadRef_state", ["threadRef", "state"]),

  // Written by ingest, one CHUNK per stream per ingest batch: the text of the
  // batch's delta events of that stream, concatenated, covering the cursor
  // range [start, end) in Codex delta events (lib/streamWriter.ts); read by
  // messages.list streamArgs "deltas" from a cursor on, and (the newest) for
  // where its stream ends (lib/streamHead.ts); deleted by compaction.
  deltas: defineTable({
    streamId: v.id("streams"),
    start: v.number(),
    end: v.number(),
    /** commandOutput: UTF-8 bytes of the stream's text through the end of this chunk (cumulative, compared with the size codex reports). */
    bytes: v.optional(v.number()),
    /** The text, or "" when longer than `MAX_CHUNK_INLINE_CHARS` and kept in `parts` (field "text"). */
    text: v.string(),
    textParts: v.optional(v.number()),
    /** UTF-16 code units of the text when it is kept in parts (the deltas query budgets before reading them). */
    textLength: v.optional(v.number()),
  }).index("by_streamId_start", ["streamId", "start"]),

  // Long texts split so that no document nears Convex's 1 MiB limit. Written
  // by ingest and compaction (lib/parts.ts); read by messages.getText,
  // turns.getDiff, events.list and the deltas query (rebased text).
  parts: defineTable({
    /** Id of the document the text belongs to. */
    ownerId: v.string(),
    field: v.string(),
    index: v.number(),
    text: v.string(),
  }).index("by_ownerId_field_index", ["ownerId", "field", "index"]),

  // Every event ingest did not apply to the tables (unknown notifications,
  // responses, bridge records, malformed lines), so none is dropped; bounded
  // per thread and per session (oldest trimmed). Written by ingest; read by
  // events.list.
  events: defineTable({
    ...vLoggedEventFields,
    sessionRef: v.id("sessions"),
    threadRef: v.optional(v.id("threads")),
  })
    .index("by_threadRef", ["threadRef"])
    .index("by_sessionRef_threadRef", ["sessionRef", "threadRef"]),

  // Requests codex sent to the client (approvals, user input, tool calls).
  // Written by ingest (the request, the bridge's answer, serverRequest/resolved,
  // turn ends); read by serverRequests.list.
  serverRequests: defineTable({
    ...vServerRequestFields,
    sessionId: v.string(),
    userId: v.string(),
    sessionRef: v.id("sessions"),
    threadRef: v.optional(v.id("threads")),
    /** Set when `params` is long and kept in `parts` (field "params"). */
    paramsParts: v.optional(v.number()),
  })
    .index("by_threadRef_status", ["threadRef", "status"])
    .index("by_threadRef_turnId_status", ["threadRef", "turnId", "status"])
    .index("by_sessionRef_requestId", ["sessionRef", "requestId"]),

  // A device's read position per stream. Written by checkpoints.save; read by
  // checkpoints.list; deleted with their stream by the expiry job.
  checkpoints: defineTable({
    userId: v.string(),
    deviceId: v.string(),
    threadId: v.string(),
    streamId: v.id("streams"),
    cursor: v.number(),
    updatedAt: v.number(),
  })
    .index("by_userId_deviceId_threadId_streamId", ["userId", "deviceId", "threadId", "streamId"])
    .index("by_streamId", ["streamId"]),

  // Pairing codes, stored only as SHA-256 hashes. Written by pairing.createCode
  // and pairing.redeem (usedAt); read by pairing.redeem.
  pairingCodes: defineTable({
    userId: v.string(),
    /** SHA-256 (hex) of the normalized code; the code itself is never stored. */
    codeHash: v.string(),
    /** Name for the device the code pairs, when the browser gave one. */
    name: v.optional(v.string()),
    createdAt: v.number(),
    expiresAt: v.number(),
    usedAt: v.optional(v.number()),
  })
    .index("by_codeHash", ["codeHash"])
    .index("by_userId", ["userId"]),

  // Paired bridges. Written by pairing.redeem, devices.rename/revoke and
  // devices.heartbeat (presence); read by every device-authenticated function
  // (by secret hash) and devices.list.
  devices: defineTable({
    userId: v.string(),
    /** SHA-256 (hex) of the device secret; the secret itself is never stored. */
    secretHash: v.string(),
    name: v.string(),
    hostname: v.optional(v.string()),
    createdAt: v.number(),
    lastSeenAt: v.optional(v.number()),
    revokedAt: v.optional(v.number()),
    /** Set by a heartbeat, cleared by the presence check `DEVICE_ONLINE_WINDOW_MS` after the last one. */
    online: v.optional(v.boolean()),
    /** When the pending presence check runs (ms since the epoch); absent when none is scheduled. */
    presenceCheckAt: v.optional(v.number()),
    codexVersion: v.optional(v.string()),
    workspaces: v.array(vWorkspace),
    runningThreadIds: v.array(v.string()),
  })
    .index("by_secretHash", ["secretHash"])
    .index("by_userId", ["userId"]),

  // Browser → desktop commands. Written by the command mutations (queued),
  // devices' claim/complete and the expiry/lease jobs; read by
  // commands.listForDevice (the bridge's subscription) and commands.get.
  commands: defineTable({
    ...vCommandFields,
    deviceId: v.id("devices"),
    userId: v.string(),
  })
    .index("by_userId_idempotencyKey", ["userId", "idempotencyKey"])
    .index("by_deviceId_status", ["deviceId", "status"]),

  // Token buckets of convex-helpers' rate limiter (pairing attempts).
  ...rateLimitTables,
});
