/**
 * Pure logic behind the hooks: folding stream deltas into per-stream text,
 * choosing which stream cursors to ask about, and merging durable messages with
 * live text into what a UI renders. No React here, so it is tested as plain
 * functions.
 */
import { MAX_STREAM_CURSORS } from "../shared/limits.js";
import { PART_SEPARATOR, TEXT_STREAM_KIND } from "../shared/streamKinds.js";
import type {
  MessageDoc,
  StreamAnswer,
  StreamCursor,
  StreamDelta,
  StreamInfo,
  StreamKind,
} from "../shared/validators.js";

/** What a client has read of one stream. */
export type StreamText = {
  /** Cursor after the last delta applied (a count of Codex delta events). */
  cursor: number;
  /** The text of every delta before `cursor`, joined (after `omittedChars`, when a rebase left some out). */
  text: string;
  /**
   * Characters before `text` left out: set (> 0) when a `rebased` answer
   * carried only the tail of a text longer than `MAX_REBASE_CHARS`.
   */
  omittedChars?: number;
};

/**
 * Read progress by stream id. A stream with no entry is at cursor 0 with no
 * text. Treated as immutable: the functions below return a new map when
 * anything changed and the same map otherwise (so React can skip a render).
 */
export type StreamTexts = ReadonlyMap<string, StreamText>;

const NOTHING_READ: StreamText = { cursor: 0, text: "" };

/**
 * Folds deltas into read progress, per stream.
 *
 * Each stream's deltas are applied in `start` order (input order does not
 * matter; among deltas with the same `start` the longest run goes first). For
 * a stream at `cursor`, a delta `[start, end)`:
 * - with `end <= cursor` was read already: skipped (repeats never double text);
 * - with `start === cursor` continues the text exactly: appended, the cursor
 *   moves to `end`;
 * - with `start < cursor < end` overlaps what was read: skipped. Cursors count
 *   Codex delta events, not characters, so the already-read head of a
 *   differently coalesced run cannot be cut off its text; the stream waits for
 *   a run that starts at its cursor (the server returns runs starting at or
 *   after the cursor asked for, so this only happens with mixed answers);
 * - with `start > cursor` leaves a gap: it and every later delta of that
 *   stream are left out and the cursor stays at the gap, so the next query
 *   asks from there again.
 *
 * @param texts - Progress so far, by stream id.
 * @param deltas - Deltas of any streams, in any order, possibly repeated.
 * @returns the new progress; `texts` itself when no stream moved.
 */
export function applyDeltas(texts: StreamTexts, deltas: readonly StreamDelta[]): StreamTexts {
  const byStream = new Map<string, StreamDelta[]>();
  for (const delta of deltas) {
    const runs = byStream.get(delta.streamId);
    if (runs) runs.push(delta);
    else byStream.set(delta.streamId, [delta]);
  }
  let next: Map<string, StreamText> | undefined;
  for (const [streamId, runs] of byStream) {
    const before = texts.get(streamId) ?? NOTHING_READ;
    const after = advance(before, runs);
    if (after === before) continue;
    next ??= new Map(texts);
    next.set(streamId, after);
  }
  return next ?? texts;
}

/** One stream's progress after its deltas; `state` itself when it did not move. */
function advance(state: StreamText, runs: readonly StreamDelta[]): StreamText {
  const sorted = [...runs].sort((a, b) => a.start - b.start || b.end - a.end);
  let cursor = state.cursor;
  const pieces: string[] = [];
  for (const run of sorted) {
    if (run.end <= cursor) continue;
    if (run.start > cursor) break;
    if (run.start < cursor) continue;
    pieces.push(run.text);
    cursor = run.end;
  }
  return cursor === state.cursor ? state : { ...state, cursor, text: state.text + pieces.join("") };
}

/**
 * Keeps the progress of the given streams only (the thread's live streams),
 * then applies the server's per-stream answers and folds in the deltas of
 * those streams. Streams that left the list are finished: their text is
 * durable in the message, so their progress is dropped, which keeps memory
 * bounded by the live streams.
 *
 * Answers (from a deltas query): `rebased` replaces what was read with the
 * durable text and moves the cursor to the answer's (when that is ahead);
 * `stale` drops the stream's progress; `ok` changes nothing by itself. A
 * rebased tail keeps how many characters it left out (`omittedChars`).
 *
 * @param texts - Progress so far, by stream id.
 * @param live - The thread's live streams (`streamArgs: {kind: "list"}`).
 * @param deltas - Deltas from `streamArgs: {kind: "deltas"}`; deltas of
 *   streams not in `live` are ignored.
 * @param answers - The deltas answer's `answers` (optional).
 * @returns the new progress; `texts` itself when nothing changed.
 */
export function foldDeltas(
  texts: StreamTexts,
  live: readonly StreamInfo[],
  deltas: readonly StreamDelta[],
  answers: readonly StreamAnswer[] = [],
): StreamTexts {
  const ids = new Set(live.map((stream) => stream.streamId));
  let kept: Map<string, StreamText> | undefined;
  for (const streamId of texts.keys()) {
    if (ids.has(streamId)) continue;
    kept ??= new Map(texts);
    kept.delete(streamId);
  }
  for (const answer of answers) {
    if (!ids.has(answer.streamId) || answer.status === "ok") continue;
    const current = (kept ?? texts).get(answer.streamId);
    if (answer.status === "stale") {
      if (current === undefined) continue;
      kept ??= new Map(texts);
      kept.delete(answer.streamId);
    } else if ((current?.cursor ?? 0) < answer.cursor) {
      kept ??= new Map(texts);
      const omittedChars = answer.omittedChars ?? 0;
      const text = answer.text ?? "";
      kept.set(answer.streamId, omittedChars > 0 ? { cursor: answer.cursor, text, omittedChars } : { cursor: answer.cursor, text });
    }
  }
  return applyDeltas(
    kept ?? texts,
    deltas.filter((delta) => ids.has(delta.streamId)),
  );
}

/**
 * The cursors to ask deltas for. Streams behind the server
 * (`cursor < nextCursor`) come first, then live streams that are caught up (so
 * their next deltas arrive on the same subscription), each group in list
 * order, at most `max` in all. Finished streams that are caught up are left
 * out.
 *
 * @param streams - The thread's streams.
 * @param texts - Progress so far, by stream id.
 * @param max - Most cursors per query (the server's `MAX_STREAM_CURSORS`).
 * @returns `[{ streamId, cursor }]`, empty when there is nothing to follow.
 */
export function streamCursors(
  streams: readonly StreamInfo[],
  texts: StreamTexts,
  max: number = MAX_STREAM_CURSORS,
): StreamCursor[] {
  const behind: StreamCursor[] = [];
  const caughtUp: StreamCursor[] = [];
  for (const stream of streams) {
    const cursor = texts.get(stream.streamId)?.cursor ?? 0;
    if (cursor < stream.nextCursor) behind.push({ streamId: stream.streamId, cursor });
    else if (stream.state === "streaming") caughtUp.push({ streamId: stream.streamId, cursor });
  }
  return [...behind, ...caughtUp].slice(0, Math.max(0, max));
}

/** The live text of one stream of a message. */
export type UIStream = {
  streamId: string;
  kind: StreamKind;
  /** Summary or content index for reasoning streams; 0 otherwise. */
  part: number;
  /** Text read so far. */
  text: string;
  /** Cursor after the text (a count of Codex delta events). */
  cursor: number;
};

/**
 * A message as a UI renders it: the durable message, with `text` replaced by
 * the streamed text while the item is in progress.
 */
export type UIMessage = MessageDoc & {
  /** True while the item is in progress and has live streams. */
  streaming: boolean;
  /**
   * Whether `text` is the whole text. False when a long text came as its head
   * (`textParts` set: the first `MAX_MESSAGE_INLINE_CHARS` = 8 Ki code units)
   * and the rest is not loaded (yet): pass `fullText` to `useMessages`, or use
   * `useMessageText`.
   */
  textComplete: boolean;
  /**
   * The item's live streams (reasoning summary parts, command output, ...),
   * ordered by kind then part; empty once the item is no longer in progress
   * (its texts are then in `text` and `item`).
   */
  streams: UIStream[];
};

/** The thread's live streams and what the client has read of them. */
export type LiveStreams = {
  streams: readonly StreamInfo[];
  texts: StreamTexts;
};


const KIND_ORDER: readonly StreamKind[] = [
  "reasoningSummary",
  "reasoningText",
  "agentText",
  "plan",
  "commandOutput",
  "fileChangeOutput",
];

/**
 * Merges durable messages with live stream text.
 *
 * - Messages may come from several pages, in any order; the result is sorted
 *   ascending by `order`.
 * - One entry per item of a turn (`turnId` + `itemId`: a rerun turn may
 *   reuse an item id). When an item appears twice (adjacent pages during
 *   live updates), the newer copy is kept: a finished status (completed,
 *   failed, declined) beats inProgress; then the later `completedAt`; then the
 *   longer text (`textLength`, else `text.length`); then the later
 *   `_creationTime`; on a full tie the first copy seen.
 * - While a message is inProgress and its text streams (by ThreadItem type:
 *   agentMessage → agentText, reasoning → reasoningSummary parts joined by a
 *   blank line, commandExecution → commandOutput, fileChange →
 *   fileChangeOutput, plan → plan) have text, `text` is that streamed text.
 *   Otherwise, and always once the message is no longer inProgress, the
 *   durable `text` wins.
 *
 * @param messages - Durable messages, e.g. every loaded page concatenated.
 * @param live - Live streams and the text read of them.
 * @returns one `UIMessage` per item, ascending by `order`.
 */
export function mergeMessages(messages: readonly MessageDoc[], live: LiveStreams): UIMessage[] {
  const itemKey = (turnId: string, itemId: string) => JSON.stringify([turnId, itemId]);
  const byItem = new Map<string, MessageDoc>();
  for (const message of messages) {
    const key = itemKey(message.turnId, message.itemId);
    const kept = byItem.get(key);
    if (kept === undefined || isNewer(message, kept)) byItem.set(key, message);
  }
  const streamsByItem = new Map<string, UIStream[]>();
  for (const stream of live.streams) {
    const read = live.texts.get(stream.streamId) ?? NOTHING_READ;
    const entry: UIStream = {
      streamId: stream.streamId,
      kind: stream.kind,
      part: stream.part,
      text: read.text,
      cursor: read.cursor,
    };
    const key = itemKey(stream.turnId, stream.itemId);
    const list = streamsByItem.get(key);
    if (list) list.push(entry);
    else streamsByItem.set(key, [entry]);
  }
  const merged: UIMessage[] = [];
  for (const message of byItem.values()) {
    const streams = message.status === "inProgress" ? (streamsByItem.get(itemKey(message.turnId, message.itemId)) ?? []) : [];
    streams.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.part - b.part);
    const textKind = TEXT_STREAM_KIND[message.kind];
    const streamed = streams
      .filter((stream) => stream.kind === textKind && stream.text !== "")
      .map((stream) => stream.text)
      .join(PART_SEPARATOR);
    merged.push({
      ...message,
      text: streamed !== "" ? streamed : message.text,
      streaming: streams.length > 0,
      streams,
      textComplete: streamed !== "" || message.textParts === undefined,
    });
  }
  return merged.sort((a, b) => a.order - b.order || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}

/** Whether `candidate` is a newer copy of the same item than `kept` (see {@link mergeMessages}). */
function isNewer(candidate: MessageDoc, kept: MessageDoc): boolean {
  const comparisons = [
    Number(candidate.status !== "inProgress") - Number(kept.status !== "inProgress"),
    (candidate.completedAt ?? -1) - (kept.completedAt ?? -1),
    textLength(candidate) - textLength(kept),
    candidate._creationTime - kept._creationTime,
  ];
  for (const difference of comparisons) {
    if (difference !== 0) return difference > 0;
  }
  return false;
}

function textLength(message: MessageDoc): number {
  return message.textLength ?? message.text?.length ?? 0;
}
