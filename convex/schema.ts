import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import {
  vEventOrigin,
  vMessage,
  vStreamKind,
  vStreamState,
  vTurnStatus,
} from "../src/shared/validators.js";

export default defineSchema({
  // Written by sessions.ensureSession and ingest.ingestSafe (ackedSeq);
  // read by ingest.ingestSafe to deduplicate and order events.
  sessions: defineTable({
    sessionId: v.string(),
    userId: v.string(),
    /** Highest seq applied, contiguous from 1; 0 before the first event. */
    ackedSeq: v.number(),
    codexVersion: v.optional(v.string()),
    hostname: v.optional(v.string()),
    /** Milliseconds since the Unix epoch. */
    lastSeenAt: v.number(),
  }).index("by_sessionId", ["sessionId"]),

  // Written by ingest (thread/started and the first event naming a thread);
  // read by every query to check ownership.
  threads: defineTable({
    threadId: v.string(),
    userId: v.string(),
    sessionId: v.string(),
    cwd: v.optional(v.string()),
    model: v.optional(v.string()),
    preview: v.optional(v.string()),
    /** Codex's thread status (`thread/status/changed`), as its `type`. */
    status: v.optional(v.string()),
    /** Order the next new item of this thread gets. */
    nextItemOrder: v.number(),
    /** Order the next new turn of this thread gets. */
    nextTurnOrder: v.number(),
    updatedAt: v.number(),
  })
    .index("by_threadId", ["threadId"])
    .index("by_userId_updatedAt", ["userId", "updatedAt"]),

  // Written by ingest on turn/started and turn/completed; read by turns.list.
  turns: defineTable({
    threadId: v.string(),
    turnId: v.string(),
    order: v.number(),
    status: vTurnStatus,
    error: v.optional(v.string()),
    startedAt: v.optional(v.number()),
    completedAt: v.optional(v.number()),
  })
    .index("by_threadId_turnId", ["threadId", "turnId"])
    .index("by_threadId_order", ["threadId", "order"]),

  // One per Codex item. Written by ingest on item/started, item/completed and
  // the first delta of an item; read by messages.list.
  messages: defineTable(vMessage)
    .index("by_threadId_itemId", ["threadId", "itemId"])
    .index("by_threadId_order", ["threadId", "order"]),

  // One per streaming text of an item. Written by ingest on each delta and on
  // item/completed (state); read by messages.list streamArgs.
  streams: defineTable({
    threadId: v.string(),
    turnId: v.string(),
    itemId: v.string(),
    kind: vStreamKind,
    part: v.number(),
    state: vStreamState,
    nextCursor: v.number(),
    updatedAt: v.number(),
  })
    .index("by_threadId_itemId_kind_part", ["threadId", "itemId", "kind", "part"])
    .index("by_threadId_state", ["threadId", "state"]),

  // Written by ingest, one per delta event (or coalesced run); read by
  // messages.list streamArgs "deltas" from a cursor on.
  deltas: defineTable({
    streamId: v.id("streams"),
    start: v.number(),
    end: v.number(),
    text: v.string(),
  }).index("by_streamId_start", ["streamId", "start"]),

  // Long texts split so that no document nears Convex's 1 MiB limit. Written
  // by ingest (lib/parts.ts); read by messages.getText and events.list.
  parts: defineTable({
    /** Id of the document the text belongs to. */
    ownerId: v.string(),
    field: v.string(),
    index: v.number(),
    text: v.string(),
  }).index("by_ownerId_field_index", ["ownerId", "field", "index"]),

  // Every event ingest did not apply to the tables above (unknown
  // notifications, responses, server requests, bridge records, malformed
  // lines), so none is dropped. Written by ingest; read by events.list.
  events: defineTable({
    sessionId: v.string(),
    seq: v.number(),
    threadId: v.optional(v.string()),
    origin: vEventOrigin,
    /** The JSON-RPC method, `response`, or `malformed`. */
    method: v.string(),
    /** The line, whole when short, else "" and kept in `parts` (field "line"). */
    line: v.string(),
    lineParts: v.optional(v.number()),
    receivedAt: v.number(),
  })
    .index("by_sessionId_seq", ["sessionId", "seq"])
    .index("by_threadId_seq", ["threadId", "seq"]),
});
