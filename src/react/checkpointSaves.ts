/**
 * The steps of stream checkpoints that touch the cache and the server, as
 * plain functions (the hook `useStreamCheckpoints` only schedules them):
 * resuming on mount, and saving what was read.
 */
import { MAX_STREAM_CURSORS } from "../shared/limits.js";
import type { Checkpoint, StreamCursor, StreamInfo } from "../shared/validators.js";
import type { StreamTexts } from "./mergeStreams.js";
import { cacheProgress, type CheckpointStorage, readStreamCache, resumeTexts, writeStreamCache } from "./streamCache.js";

/** Whose cache: the reader device and the storage it lives in. */
export type CheckpointTarget = { deviceId: string; storage: CheckpointStorage };

/**
 * Where to start each live stream of a thread after a (re)load, from this
 * device's server checkpoints and its cache (see `resumeTexts`). Also drops
 * the cache entries of this thread's streams that are no longer live.
 *
 * @param target - The device and its storage.
 * @param threadId - The Codex thread id.
 * @param streams - The thread's live streams.
 * @param checkpoints - This device's checkpoints in the thread, from `listCheckpoints`.
 * @param now - Milliseconds since the Unix epoch.
 * @returns progress to start from, by stream id (only resumed streams).
 */
export function resumeFromCache(
  target: CheckpointTarget,
  threadId: string,
  streams: readonly StreamInfo[],
  checkpoints: readonly Checkpoint[],
  now: number,
): StreamTexts {
  const cached = readStreamCache(target.storage, target.deviceId, now);
  const live = new Set(streams.map((stream) => stream.streamId));
  const kept = cached.filter((entry) => entry.threadId !== threadId || live.has(entry.streamId));
  if (kept.length !== cached.length) writeStreamCache(target.storage, target.deviceId, kept, now);
  return resumeTexts(threadId, streams, checkpoints, kept);
}

/**
 * Whether there is something to save: a live stream read past its last saved
 * cursor, or a saved stream that finished (its cache entry must go).
 *
 * @param streams - The thread's live streams.
 * @param texts - What has been read, by stream id.
 * @param lastSaved - The cursor last saved per stream id.
 */
export function hasUnsavedProgress(
  streams: readonly StreamInfo[],
  texts: StreamTexts,
  lastSaved: ReadonlyMap<string, number>,
): boolean {
  const live = new Set(streams.map((stream) => stream.streamId));
  for (const streamId of lastSaved.keys()) if (!live.has(streamId)) return true;
  return streams.some((stream) => {
    const cursor = texts.get(stream.streamId)?.cursor ?? 0;
    return cursor > 0 && lastSaved.get(stream.streamId) !== cursor;
  });
}

/**
 * Saves what was read of a thread's live streams: first the cache (each moved
 * stream's text and cursor; entries of this thread's finished streams
 * removed), then, with `send`, the cursors whose text the cache now holds, in
 * calls of at most `MAX_STREAM_CURSORS`. A cursor whose text did not fit the
 * cache is not sent (a reload could not use it). `lastSaved` is updated at
 * once, and rolled back for a call that fails so the next change retries it.
 *
 * @param target - The device and its storage.
 * @param threadId - The Codex thread id.
 * @param streams - The thread's live streams.
 * @param texts - What has been read, by stream id.
 * @param lastSaved - The cursor last saved per stream id; updated in place.
 * @param send - Saves cursors on the server (the host's `saveCheckpoints`);
 *   its rejection is caught here.
 * @param now - Milliseconds since the Unix epoch.
 * @returns the cursors sent.
 */
export function saveProgress(
  target: CheckpointTarget,
  threadId: string,
  streams: readonly StreamInfo[],
  texts: StreamTexts,
  lastSaved: Map<string, number>,
  send: (cursors: StreamCursor[]) => Promise<unknown>,
  now: number,
): StreamCursor[] {
  const live = new Set(streams.map((stream) => stream.streamId));
  const entries = new Map(
    readStreamCache(target.storage, target.deviceId, now)
      .filter((entry) => entry.threadId !== threadId || live.has(entry.streamId))
      .map((entry) => [entry.streamId, entry]),
  );
  const moved: StreamCursor[] = [];
  for (const stream of streams) {
    const read = texts.get(stream.streamId);
    if (read === undefined || read.cursor <= 0 || lastSaved.get(stream.streamId) === read.cursor) continue;
    entries.set(stream.streamId, cacheProgress(entries.get(stream.streamId), threadId, stream.streamId, read, now));
    moved.push({ streamId: stream.streamId, cursor: read.cursor });
  }
  for (const streamId of [...lastSaved.keys()]) if (!live.has(streamId)) lastSaved.delete(streamId);
  const stored = writeStreamCache(target.storage, target.deviceId, [...entries.values()], now);
  const cursors = moved.filter((cursor) => stored.has(cursor.streamId));
  for (let i = 0; i < cursors.length; i += MAX_STREAM_CURSORS) {
    const batch = cursors.slice(i, i + MAX_STREAM_CURSORS);
    for (const { streamId, cursor } of batch) lastSaved.set(streamId, cursor);
    send(batch).catch(() => {
      for (const { streamId, cursor } of batch) if (lastSaved.get(streamId) === cursor) lastSaved.delete(streamId);
    });
  }
  return cursors;
}
