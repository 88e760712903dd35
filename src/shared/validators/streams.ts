/** Validators of live streams, their deltas, the deltas query and device checkpoints. */
import { v, type Infer } from "convex/values";

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
 * - `list`: the thread's live streams (to learn stream ids and where they are);
 * - `deltas`: the deltas of the named streams from each cursor on.
 */
export const vStreamArgs = v.union(
  v.object({ kind: v.literal("list") }),
  v.object({ kind: v.literal("deltas"), cursors: v.array(vStreamCursor) }),
);
export type StreamArgs = Infer<typeof vStreamArgs>;

/**
 * How the server answered one cursor of a deltas query:
 * - `ok`: the deltas from the cursor on follow in `deltas`;
 * - `rebased`: the deltas before `cursor` were compacted into durable text;
 *   `text` is that text (its tail when longer than `MAX_REBASE_CHARS`:
 *   `omittedChars` were left out before it). Replace what was read with it;
 *   the deltas from `cursor` on follow in `deltas`;
 * - `stale`: unknown, expired, hidden, or another thread's stream, or a cursor
 *   past its end: drop it (the item's durable text is in its message).
 */
export const vStreamStatus = v.union(v.literal("ok"), v.literal("rebased"), v.literal("stale"));
export type StreamStatus = Infer<typeof vStreamStatus>;

/** The answer for one requested stream cursor. */
export const vStreamAnswer = v.object({
  streamId: v.string(),
  status: vStreamStatus,
  /** `ok`: the cursor asked; `rebased`: where `text` ends; `stale`: the cursor asked. */
  cursor: v.number(),
  text: v.optional(v.string()),
  omittedChars: v.optional(v.number()),
  /** Where the stream is on the server (absent when stale). */
  state: v.optional(vStreamState),
  nextCursor: v.optional(v.number()),
});
export type StreamAnswer = Infer<typeof vStreamAnswer>;

/** Stream information returned with a page. */
export const vStreamsResult = v.union(
  v.object({ kind: v.literal("list"), streams: v.array(vStreamInfo) }),
  v.object({
    kind: v.literal("deltas"),
    deltas: v.array(vStreamDelta),
    /** One answer per requested cursor, in request order. */
    answers: v.array(vStreamAnswer),
    /** Where each non-stale stream's reader stands after this answer: save these as the device's checkpoints. */
    nextCheckpoints: v.array(vStreamCursor),
  }),
);
export type StreamsResult = Infer<typeof vStreamsResult>;

/** A device's saved position in one stream. */
export const vCheckpoint = v.object({
  streamId: v.string(),
  cursor: v.number(),
  /** Milliseconds since the Unix epoch of the last save. */
  updatedAt: v.number(),
});
export type Checkpoint = Infer<typeof vCheckpoint>;
