"use client";

/**
 * The checkpoint side of `useStreamDeltas`: on mount, where to resume each
 * live stream (this device's server checkpoints matched against its cached
 * text); while reading, saving the cursors reached (throttled) together with
 * their text in the cache. See `streamCache.ts` for why both are needed.
 */
import { useConvex } from "convex/react";
import type { FunctionReference } from "convex/server";
import { useEffect, useMemo, useRef, useState } from "react";
import { MAX_DEVICE_ID_CHARS, MAX_STREAM_CURSORS } from "../shared/limits.js";
import type { Checkpoint, StreamCursor, StreamInfo } from "../shared/validators.js";
import type { StreamTexts } from "./mergeStreams.js";
import { defaultCheckpointStorage, isDeviceId, readerDeviceId } from "./readerDevice.js";
import {
  cacheProgress,
  type CheckpointStorage,
  readStreamCache,
  resumeTexts,
  writeStreamCache,
} from "./streamCache.js";

/**
 * How often, at most, the hooks save the cursors they reached (and their text
 * in the cache), in ms. A reload resumes from the last save, so at most this
 * much reading is replayed; each save is one `saveCheckpoints` mutation.
 */
export const CHECKPOINT_SAVE_INTERVAL_MS = 2_000;

/** The host's `saveCheckpoints` mutation (see `defineCodexApi`), or any public mutation of that shape. */
export type SaveCheckpointsMutation = FunctionReference<
  "mutation",
  "public",
  { deviceId: string; threadId: string; cursors: StreamCursor[] },
  { saved: number }
>;

/** The host's `listCheckpoints` query (see `defineCodexApi`), or any public query of that shape. */
export type ListCheckpointsQuery = FunctionReference<"query", "public", { deviceId: string; threadId: string }, Checkpoint[]>;

/**
 * Per-device stream checkpoints, so a reloaded page resumes each live stream
 * where this device left it instead of replaying it from cursor 0.
 *
 * While streams are followed, every `CHECKPOINT_SAVE_INTERVAL_MS` (2 s) at
 * most, the hooks write each live stream's text and cursor to `storage` (a
 * cache capped at `STREAM_CACHE_MAX_BYTES`, 1 MiB) and save the cursors whose
 * text is cached with `save({ deviceId, threadId, cursors })`; they also save
 * when the component unmounts and when the page is hidden (`pagehide`). On
 * mount they wait for one `list({ deviceId, threadId })` call (a one-shot
 * query, not a subscription) before asking for deltas, and start each live
 * stream whose checkpoint matches its cached text from that cursor, with that
 * text. A stream with no checkpoint, no cached text or a mismatch starts from
 * 0; one the server compacted meanwhile is answered `rebased` and shows the
 * durable text; text is never lost or doubled. Entries leave the cache when
 * their stream finishes, or after `STREAM_CACHE_MAX_AGE_MS` (24 h).
 *
 * ```ts
 * useMessages(api.codex.listMessages, { threadId }, {
 *   initialNumItems: 30,
 *   stream: true,
 *   checkpoints: { save: api.codex.saveCheckpoints, list: api.codex.listCheckpoints },
 * });
 * ```
 */
export type StreamCheckpointOptions = {
  /** The host's `saveCheckpoints` mutation; a failed save is ignored (the next one retries). */
  save: SaveCheckpointsMutation;
  /** The host's `listCheckpoints` query; when it fails, every stream starts from 0. */
  list: ListCheckpointsQuery;
  /**
   * The reader device: 1..128 characters of letters, digits, `-`, `_`, `.`,
   * `:`. Default: this browser's id, a random UUID kept in `storage` under
   * `"codex-convex:deviceId"` (see `readerDeviceId`). Two devices never move
   * each other's checkpoints. Give your own to tie checkpoints to something
   * else (a signed-in session), and a different one per storage.
   */
  deviceId?: string;
  /**
   * Where the cached stream text lives (`getItem`/`setItem`/`removeItem`, as
   * Web Storage). Default `window.localStorage`; without any (server render,
   * blocked storage) checkpoints are off and streams start from 0.
   */
  storage?: CheckpointStorage;
};

type Resolved = { save: SaveCheckpointsMutation; list: ListCheckpointsQuery; deviceId: string; storage: CheckpointStorage };

/** The key of a resumed state when checkpoints are off: nothing to wait for. */
export const CHECKPOINTS_OFF = "off";

/**
 * @throws Error when `options.deviceId` is given but not a valid device id.
 */
function useResolved(options: StreamCheckpointOptions | undefined): Resolved | undefined {
  const save = options?.save;
  const list = options?.list;
  const givenId = options?.deviceId;
  const givenStorage = options?.storage;
  if (givenId !== undefined && !isDeviceId(givenId)) {
    throw new Error(
      `checkpoints.deviceId must be 1 to ${MAX_DEVICE_ID_CHARS} letters, digits, '-', '_', '.' or ':'; got ${JSON.stringify(givenId).slice(0, 80)}. ` +
        "Leave it out to use this browser's own id.",
    );
  }
  return useMemo(() => {
    if (save === undefined || list === undefined) return undefined;
    const storage = givenStorage ?? defaultCheckpointStorage();
    if (storage === undefined) return undefined;
    const deviceId = givenId ?? readerDeviceId(storage);
    return deviceId === undefined ? undefined : { save, list, deviceId, storage };
  }, [save, list, givenId, givenStorage]);
}

/**
 * Runs checkpoints for `useStreamDeltas` (internal).
 *
 * @param options - The caller's checkpoint options, or undefined for none.
 * @param threadId - The thread followed, or undefined when skipped.
 * @param streams - The thread's live streams, undefined while loading.
 * @param texts - What has been read so far.
 * @param resumedFor - The key the reader last resumed for.
 * @param resume - Called once per key with where to start (only resumed streams).
 * @returns the current key: deltas may be asked once `resumedFor` equals it.
 */
export function useStreamCheckpoints(
  options: StreamCheckpointOptions | undefined,
  threadId: string | undefined,
  streams: readonly StreamInfo[] | undefined,
  texts: StreamTexts,
  resumedFor: string | undefined,
  resume: (key: string, seeds: StreamTexts) => void,
): string {
  const convex = useConvex();
  const config = useResolved(options);
  const key = config === undefined || threadId === undefined ? CHECKPOINTS_OFF : `${config.deviceId}\n${threadId}`;
  const resumed = resumedFor === key;
  const [listed, setListed] = useState<{ key: string; checkpoints: readonly Checkpoint[] }>();

  // One one-shot listCheckpoints per device and thread, before any deltas are asked.
  useEffect(() => {
    if (config === undefined || threadId === undefined || resumed) return;
    let current = true;
    const done = (checkpoints: readonly Checkpoint[]) => {
      if (current) setListed({ key, checkpoints });
    };
    convex
      .query(config.list, { deviceId: config.deviceId, threadId })
      .then((checkpoints) => done(Array.isArray(checkpoints) ? checkpoints : []))
      .catch(() => done([])); // resuming is an optimisation: without checkpoints, streams start from 0
    return () => {
      current = false;
    };
    // `resumed` only stops a late first call; the key covers the device and thread.
  }, [convex, config, threadId, key]);

  const lastSaved = useRef(new Map<string, number>());
  const latest = useRef({ config, threadId, streams, texts, resumed });
  latest.current = { config, threadId, streams, texts, resumed };

  // Resume once the streams and the checkpoints are known.
  useEffect(() => {
    if (resumed || streams === undefined) return;
    if (config === undefined || threadId === undefined) {
      resume(key, EMPTY);
      return;
    }
    if (listed?.key !== key) return;
    const now = Date.now();
    const cached = readStreamCache(config.storage, config.deviceId, now);
    const seeds = resumeTexts(threadId, streams, listed.checkpoints, cached);
    lastSaved.current = new Map([...seeds].map(([streamId, read]) => [streamId, read.cursor]));
    const live = new Set(streams.map((stream) => stream.streamId));
    const kept = cached.filter((entry) => entry.threadId !== threadId || live.has(entry.streamId));
    if (kept.length !== cached.length) writeStreamCache(config.storage, config.deviceId, kept, now);
    resume(key, seeds);
  }, [resumed, streams, config, threadId, key, listed, resume]);

  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const flush = useRef(() => {
    const { config: c, threadId: thread, streams: live, texts: read, resumed: ready } = latest.current;
    if (c === undefined || thread === undefined || live === undefined || !ready) return;
    saveProgress(c, thread, live, read, lastSaved.current, (cursors) =>
      convex.mutation(c.save, { deviceId: c.deviceId, threadId: thread, cursors }),
    );
  });

  // Save at most every CHECKPOINT_SAVE_INTERVAL_MS while something moved.
  useEffect(() => {
    if (!resumed || config === undefined || streams === undefined || timer.current !== undefined) return;
    if (!hasWork(streams, texts, lastSaved.current)) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      flush.current();
    }, CHECKPOINT_SAVE_INTERVAL_MS);
  }, [resumed, config, streams, texts]);

  // Save what was read when the component goes away or the page is hidden (a reload, a closed tab).
  useEffect(() => {
    const onHide = () => flush.current();
    const target = typeof window === "undefined" ? undefined : window;
    target?.addEventListener("pagehide", onHide);
    return () => {
      target?.removeEventListener("pagehide", onHide);
      if (timer.current !== undefined) clearTimeout(timer.current);
      timer.current = undefined;
      flush.current();
    };
  }, []);

  return key;
}

const EMPTY: StreamTexts = new Map();

/** Whether a live stream moved past its last saved cursor, or a saved stream finished (its cache entry must go). */
function hasWork(streams: readonly StreamInfo[], texts: StreamTexts, lastSaved: ReadonlyMap<string, number>): boolean {
  const live = new Set(streams.map((stream) => stream.streamId));
  for (const streamId of lastSaved.keys()) if (!live.has(streamId)) return true;
  return streams.some((stream) => {
    const cursor = texts.get(stream.streamId)?.cursor ?? 0;
    return cursor > 0 && lastSaved.get(stream.streamId) !== cursor;
  });
}

/**
 * Writes the cache (this thread's live streams as read, finished ones
 * removed), then saves the cursors whose text it holds, in calls of at most
 * `MAX_STREAM_CURSORS`. `lastSaved` is updated at once and rolled back for a
 * call that fails, so the next change retries it.
 */
function saveProgress(
  config: Resolved,
  threadId: string,
  streams: readonly StreamInfo[],
  texts: StreamTexts,
  lastSaved: Map<string, number>,
  send: (cursors: StreamCursor[]) => Promise<unknown>,
): void {
  const now = Date.now();
  const live = new Set(streams.map((stream) => stream.streamId));
  const entries = new Map(
    readStreamCache(config.storage, config.deviceId, now)
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
  const stored = writeStreamCache(config.storage, config.deviceId, [...entries.values()], now);
  const cursors = moved.filter((cursor) => stored.has(cursor.streamId));
  for (let i = 0; i < cursors.length; i += MAX_STREAM_CURSORS) {
    const batch = cursors.slice(i, i + MAX_STREAM_CURSORS);
    for (const { streamId, cursor } of batch) lastSaved.set(streamId, cursor);
    send(batch).catch(() => {
      for (const { streamId, cursor } of batch) if (lastSaved.get(streamId) === cursor) lastSaved.delete(streamId);
    });
  }
}
