/**
 * Validators shared by the component (`convex/`), the host helpers, the bridge
 * and the React hooks. One definition per shape; every other module imports it
 * from here so the wire format cannot drift between the parts.
 */
import { v, type Infer } from "convex/values";

/**
 * Where an outbox line came from.
 * - `codex`: a line `codex app-server` wrote on stdout (notification, server
 *   request, or response to one of the bridge's requests), kept byte-exact.
 * - `bridge`: a record the bridge wrote itself (a request it sent to codex, or a
 *   lifecycle fact such as "codex exited"), as a JSON object with a `method`.
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

/** Answer of `ensureSession`. */
export const vSessionState = v.object({
  sessionId: v.string(),
  /** Highest seq applied for this session; 0 when nothing has been applied yet. */
  ackedSeq: v.number(),
  /** True when this call created the session. */
  created: v.boolean(),
});
export type SessionState = Infer<typeof vSessionState>;

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

/** Status of a turn, as Codex reports it (`TurnStatus`). */
export const vTurnStatus = v.union(
  v.literal("inProgress"),
  v.literal("completed"),
  v.literal("interrupted"),
  v.literal("failed"),
);
export type TurnStatus = Infer<typeof vTurnStatus>;

/** Lifecycle of a message (one Codex item). */
export const vMessageStatus = v.union(
  v.literal("inProgress"),
  v.literal("completed"),
  v.literal("failed"),
  v.literal("declined"),
);
export type MessageStatus = Infer<typeof vMessageStatus>;

/**
 * Which text of an item a stream carries. Codex sends each as its own delta
 * notification: `item/agentMessage/delta`, `item/reasoning/summaryTextDelta`,
 * `item/reasoning/textDelta`, `item/commandExecution/outputDelta`,
 * `item/fileChange/outputDelta`, `item/plan/delta`.
 */
export const vStreamKind = v.union(
  v.literal("agentText"),
  v.literal("reasoningSummary"),
  v.literal("reasoningText"),
  v.literal("commandOutput"),
  v.literal("fileChangeOutput"),
  v.literal("plan"),
);
export type StreamKind = Infer<typeof vStreamKind>;

export const vStreamState = v.union(v.literal("streaming"), v.literal("finished"));
export type StreamState = Infer<typeof vStreamState>;

/**
 * A message: one Codex thread item, as the component stores it. `order` is the
 * item's position in its thread (0-based, assigned when the item first appears).
 */
export const vMessage = v.object({
  threadId: v.string(),
  turnId: v.string(),
  itemId: v.string(),
  order: v.number(),
  /** The ThreadItem `type`: `agentMessage`, `userMessage`, `reasoning`, ... */
  kind: v.string(),
  status: vMessageStatus,
  /**
   * What a UI shows as the item's text, when the item has one. When the text
   * is longer than `MAX_INLINE_CHARS`, this is its head and `textParts` is set:
   * fetch the whole text with `messages.getText`.
   */
  text: v.optional(v.string()),
  /** Number of stored parts of a long text; absent when `text` is whole. */
  textParts: v.optional(v.number()),
  /** Length of the whole text in UTF-16 code units. */
  textLength: v.optional(v.number()),
  /**
   * The raw ThreadItem JSON as last received (item/completed wins); "" when it
   * is long and kept in parts (`itemParts`), fetched with `messages.getText`.
   */
  item: v.string(),
  itemParts: v.optional(v.number()),
  /** Milliseconds since the Unix epoch. */
  startedAt: v.optional(v.number()),
  completedAt: v.optional(v.number()),
});
export type Message = Infer<typeof vMessage>;

/** A message as queries return it, with its document id and creation time. */
export const vMessageDoc = v.object({
  _id: v.string(),
  _creationTime: v.number(),
  ...vMessage.fields,
});
export type MessageDoc = Infer<typeof vMessageDoc>;

/** A live stream: the text of one item that is still arriving as deltas. */
export const vStreamInfo = v.object({
  streamId: v.string(),
  threadId: v.string(),
  turnId: v.string(),
  itemId: v.string(),
  kind: vStreamKind,
  /** Index of the summary or content part for reasoning streams; 0 otherwise. */
  part: v.number(),
  state: vStreamState,
  /** Cursor after the last delta stored (a count of Codex delta events). */
  nextCursor: v.number(),
});
export type StreamInfo = Infer<typeof vStreamInfo>;

/**
 * A run of stream text. Cursors count Codex delta events: a delta covers
 * `[start, end)`; a coalesced delta covers more than one.
 */
export const vStreamDelta = v.object({
  streamId: v.string(),
  start: v.number(),
  end: v.number(),
  text: v.string(),
});
export type StreamDelta = Infer<typeof vStreamDelta>;

/** A client's position in one stream: it has seen every delta before `cursor`. */
export const vStreamCursor = v.object({
  streamId: v.string(),
  cursor: v.number(),
});
export type StreamCursor = Infer<typeof vStreamCursor>;

/**
 * What `messages.list` should return besides the page:
 * - `list`: the thread's streams (to learn stream ids and where they are);
 * - `deltas`: the deltas of the named streams from each cursor on.
 */
export const vStreamArgs = v.union(
  v.object({ kind: v.literal("list") }),
  v.object({ kind: v.literal("deltas"), cursors: v.array(vStreamCursor) }),
);
export type StreamArgs = Infer<typeof vStreamArgs>;

export const vStreamsResult = v.union(
  v.object({ kind: v.literal("list"), streams: v.array(vStreamInfo) }),
  v.object({ kind: v.literal("deltas"), deltas: v.array(vStreamDelta) }),
);
export type StreamsResult = Infer<typeof vStreamsResult>;

/** A page of messages plus, when asked, stream information. */
export const vMessagesPage = v.object({
  page: v.array(vMessageDoc),
  isDone: v.boolean(),
  continueCursor: v.string(),
  /** Where to split a page that grew too big (convex-helpers' `usePaginatedQuery` uses it). */
  splitCursor: v.optional(v.union(v.string(), v.null())),
  pageStatus: v.optional(v.union(v.literal("SplitRecommended"), v.literal("SplitRequired"), v.null())),
  streams: v.optional(vStreamsResult),
});
export type MessagesPage = Infer<typeof vMessagesPage>;

/** A thread as queries return it. */
export const vThread = v.object({
  _id: v.string(),
  _creationTime: v.number(),
  threadId: v.string(),
  userId: v.string(),
  sessionId: v.string(),
  cwd: v.optional(v.string()),
  model: v.optional(v.string()),
  preview: v.optional(v.string()),
  status: v.optional(v.string()),
  /** Milliseconds since the Unix epoch of the last event applied to the thread. */
  updatedAt: v.number(),
});
export type Thread = Infer<typeof vThread>;

/** A turn as queries return it. */
export const vTurn = v.object({
  _id: v.string(),
  _creationTime: v.number(),
  threadId: v.string(),
  turnId: v.string(),
  order: v.number(),
  status: vTurnStatus,
  error: v.optional(v.string()),
  startedAt: v.optional(v.number()),
  completedAt: v.optional(v.number()),
});
export type Turn = Infer<typeof vTurn>;
