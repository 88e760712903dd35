/**
 * The client-side half of stream checkpoints: what this device has read of
 * each live stream, kept in the browser so a reloaded page can resume there.
 *
 * Why a cache at all: a server checkpoint is only `{ streamId, cursor }`, and
 * the text before a cursor cannot be fetched except by replaying the stream
 * from 0 (cursors count Codex delta events, not characters). So the device
 * keeps the text it has read next to the cursor it reaches, and a checkpoint
 * is only worth saving for a cursor whose text is in this cache.
 *
 * Layout: one storage key per reader device (`codex-convex:streams:<deviceId>`)
 * holding `{ version: 1, streams: CachedStream[] }` as JSON. An entry keeps the
 * stream's text as read, and `marks`: the last few cursors saved to the server
 * with the length of the text before each. A reload matches the server's
 * checkpoint against a mark, so a save that never reached the server (the tab
 * closed mid-flight) still finds the previous cursor in the cache.
 *
 * Nothing here is trusted: a tampered or stale cache only affects this browser,
 * and `readStreamCache` drops whatever does not parse or does not add up. No
 * React here, so it is tested as plain functions.
 */
import { v, type Infer } from "convex/values";
import { validate } from "convex-helpers/validators";
import type { Checkpoint, StreamInfo } from "../shared/validators.js";
import type { StreamText, StreamTexts } from "./mergeStreams.js";

/**
 * Most bytes the cache of one device may take in storage, counted as the
 * stored JSON's length in UTF-16 code units × 2 (browsers' `localStorage`
 * quota is about 5 MiB per origin). Past it the least recently saved streams
 * are dropped; a single stream larger than this is not cached (its checkpoint
 * is not saved: a reload replays it from 0).
 */
export const STREAM_CACHE_MAX_BYTES = 1024 * 1024;

/**
 * How long an entry not saved again is kept, in ms. Entries leave as soon as
 * their stream finishes while the page is open; this bounds the ones left
 * behind by a closed page. Equal to the component's `STREAM_RETENTION_MS`
 * (24 h): by then a finished stream and its checkpoints are deleted on the
 * server, so the entry could no longer match.
 */
export const STREAM_CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Most saved cursors (marks) an entry remembers; a reload resumes from whichever one the server holds. */
export const STREAM_CACHE_MAX_MARKS = 4;

/** The storage key prefix; the device id follows. */
export const STREAM_CACHE_KEY_PREFIX = "codex-convex:streams:";

/** The part of the Web Storage API the cache uses (`window.localStorage` or any stand-in). */
export type CheckpointStorage = {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
};

const vMark = v.object({ cursor: v.number(), length: v.number() });

/** One cached stream, as stored. */
const vCachedStream = v.object({
  streamId: v.string(),
  threadId: v.string(),
  /** The stream text read up to the last mark's cursor (after `omittedChars` left out by a rebase). */
  text: v.string(),
  /** Characters before `text` a `rebased` answer left out (0 when the text is whole). */
  omittedChars: v.number(),
  /** Cursors saved to the server, ascending, each with the length of `text` before it; the last one ends the text. */
  marks: v.array(vMark),
  /** Milliseconds since the Unix epoch of the last write of this entry. */
  updatedAt: v.number(),
});
export type CachedStream = Infer<typeof vCachedStream>;

const vCacheDocument = v.object({ version: v.literal(1), streams: v.array(v.any()) });

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Whether an entry's numbers add up: marks ascending with positive cursors, lengths within the text, the last one ending it. */
function consistent(entry: CachedStream): boolean {
  if (!isCount(entry.omittedChars) || !Number.isFinite(entry.updatedAt) || entry.marks.length === 0) return false;
  if (entry.marks.length > STREAM_CACHE_MAX_MARKS || entry.streamId === "" || entry.threadId === "") return false;
  let previous = { cursor: 0, length: 0 };
  for (const mark of entry.marks) {
    if (!isCount(mark.cursor) || !isCount(mark.length)) return false;
    if (mark.cursor <= previous.cursor || mark.length < previous.length || mark.length > entry.text.length) return false;
    previous = mark;
  }
  return previous.length === entry.text.length;
}

function cacheKey(deviceId: string): string {
  return STREAM_CACHE_KEY_PREFIX + deviceId;
}

/**
 * The device's cached streams that parse, add up and are younger than
 * `STREAM_CACHE_MAX_AGE_MS`. Never throws: unreadable storage or JSON gives
 * `[]`, a malformed entry is left out (the others are kept).
 *
 * @param storage - Where the cache lives.
 * @param deviceId - The reader device's id.
 * @param now - Milliseconds since the Unix epoch.
 */
export function readStreamCache(storage: CheckpointStorage, deviceId: string, now: number): CachedStream[] {
  let document: unknown;
  try {
    const raw = storage.getItem(cacheKey(deviceId));
    if (raw === null) return [];
    document = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!validate(vCacheDocument, document)) return [];
  const seen = new Set<string>();
  const entries: CachedStream[] = [];
  for (const entry of document.streams) {
    if (!validate(vCachedStream, entry) || !consistent(entry) || seen.has(entry.streamId)) continue;
    if (now - entry.updatedAt > STREAM_CACHE_MAX_AGE_MS) continue;
    seen.add(entry.streamId);
    entries.push(entry);
  }
  return entries;
}

/** Bytes an entry takes in the stored JSON (UTF-16 code units × 2, plus its comma). */
function entryBytes(entry: CachedStream): number {
  return (JSON.stringify(entry).length + 1) * 2;
}

/**
 * Stores the device's cached streams, newest first, dropping expired ones and,
 * past `STREAM_CACHE_MAX_BYTES`, the least recently updated. Never throws: a
 * storage that refuses the write (quota, private mode) is cleared instead.
 *
 * @param storage - Where the cache lives.
 * @param deviceId - The reader device's id.
 * @param entries - Every entry to keep (what is not here is removed).
 * @param now - Milliseconds since the Unix epoch.
 * @returns the ids of the streams now stored (the only cursors worth saving).
 */
export function writeStreamCache(
  storage: CheckpointStorage,
  deviceId: string,
  entries: readonly CachedStream[],
  now: number,
): Set<string> {
  const kept: CachedStream[] = [];
  let bytes = (JSON.stringify({ version: 1, streams: [] }).length + cacheKey(deviceId).length) * 2;
  const newestFirst = [...entries].sort((a, b) => b.updatedAt - a.updatedAt);
  for (const entry of newestFirst) {
    if (now - entry.updatedAt > STREAM_CACHE_MAX_AGE_MS) continue;
    const size = entryBytes(entry);
    if (bytes + size > STREAM_CACHE_MAX_BYTES) continue;
    bytes += size;
    kept.push(entry);
  }
  try {
    if (kept.length === 0) storage.removeItem(cacheKey(deviceId));
    else storage.setItem(cacheKey(deviceId), JSON.stringify({ version: 1, streams: kept }));
    return new Set(kept.map((entry) => entry.streamId));
  } catch {
    try {
      storage.removeItem(cacheKey(deviceId));
    } catch {
      // Storage unusable: nothing is cached, so nothing will be saved.
    }
    return new Set();
  }
}

/**
 * Removes a device's cached stream text from `storage`, e.g. when the user
 * signs out on a shared computer (the cache holds agent and command output in
 * plain text). Checkpoints on the server stay; without the text they are not
 * resumed from, so the next load replays streams from 0. Never throws.
 *
 * @param storage - Where the cache lives (the `storage` given to the hooks, or `window.localStorage`).
 * @param deviceId - The reader device's id (`readerDeviceId(storage)` by default in the hooks).
 */
export function clearStreamCache(storage: CheckpointStorage, deviceId: string): void {
  try {
    storage.removeItem(cacheKey(deviceId));
  } catch {
    // Nothing readable there either.
  }
}

/**
 * The cache entry after this device read a stream up to `read.cursor`, about
 * to be saved to the server as a checkpoint. When the new text continues the
 * cached one (same `omittedChars`, starts with it), earlier marks stay valid
 * and are kept (the last `STREAM_CACHE_MAX_MARKS`); otherwise (a rebase
 * replaced the text) the entry starts over with this one mark.
 *
 * @param previous - The stream's entry so far, if any.
 * @param threadId - The Codex thread id.
 * @param streamId - The stream id.
 * @param read - What was read: `{ cursor, text, omittedChars? }`, cursor > 0.
 * @param now - Milliseconds since the Unix epoch.
 */
export function cacheProgress(
  previous: CachedStream | undefined,
  threadId: string,
  streamId: string,
  read: StreamText,
  now: number,
): CachedStream {
  const omittedChars = read.omittedChars ?? 0;
  const continues =
    previous !== undefined &&
    previous.threadId === threadId &&
    previous.omittedChars === omittedChars &&
    read.text.startsWith(previous.text);
  const earlier = continues ? previous.marks.filter((mark) => mark.cursor < read.cursor) : [];
  const marks = [...earlier, { cursor: read.cursor, length: read.text.length }].slice(-STREAM_CACHE_MAX_MARKS);
  return { streamId, threadId, text: read.text, omittedChars, marks, updatedAt: now };
}

/**
 * Where a reloaded page resumes each live stream: for a stream whose server
 * checkpoint (this device's) equals a mark of its cached entry, the cached
 * text before that mark at the checkpoint's cursor. A stream with no
 * checkpoint, no entry, an entry of another thread, a checkpoint matching no
 * mark, or a checkpoint past the stream's end starts from 0 as before.
 *
 * @param threadId - The Codex thread id.
 * @param streams - The thread's live streams.
 * @param checkpoints - This device's checkpoints in the thread (`listCheckpoints`).
 * @param cached - This device's cache (`readStreamCache`).
 * @returns progress to start from, by stream id (only resumed streams).
 */
export function resumeTexts(
  threadId: string,
  streams: readonly StreamInfo[],
  checkpoints: readonly Checkpoint[],
  cached: readonly CachedStream[],
): StreamTexts {
  const saved = new Map(checkpoints.map((checkpoint) => [checkpoint.streamId, checkpoint.cursor]));
  const entries = new Map(cached.map((entry) => [entry.streamId, entry]));
  const resumed = new Map<string, StreamText>();
  for (const stream of streams) {
    const cursor = saved.get(stream.streamId);
    const entry = entries.get(stream.streamId);
    if (cursor === undefined || entry === undefined || entry.threadId !== threadId) continue;
    if (cursor <= 0 || cursor > stream.nextCursor) continue;
    const mark = entry.marks.find((m) => m.cursor === cursor);
    if (mark === undefined) continue;
    const text = entry.text.slice(0, mark.length);
    resumed.set(stream.streamId, entry.omittedChars > 0 ? { cursor, text, omittedChars: entry.omittedChars } : { cursor, text });
  }
  return resumed;
}
