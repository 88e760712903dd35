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
import { MAX_DEVICE_ID_CHARS } from "../shared/limits.js";
import type { Checkpoint, StreamCursor, StreamInfo } from "../shared/validators.js";
import { type CheckpointTarget, hasUnsavedProgress, resumeFromCache, saveProgress } from "./checkpointSaves.js";
import type { StreamTexts } from "./mergeStreams.js";
import { defaultCheckpointStorage, isDeviceId, readerDeviceId } from "./readerDevice.js";
import type { CheckpointStorage } from "./streamCache.js";

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
 * The cache holds agent and command output in plain text in the browser: on
 * a shared computer call `clearStreamCache(storage, deviceId)` at sign-out,
 * or pass a `sessionStorage` (gone with the tab). What it holds is never
 * trusted: entries that do not parse, add up, or match this device's server
 * checkpoint are ignored, so a tampered cache can only change what this
 * browser shows, never what the server stores.
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

type Resolved = CheckpointTarget & { save: SaveCheckpointsMutation; list: ListCheckpointsQuery };

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
    const seeds = resumeFromCache(config, threadId, streams, listed.checkpoints, Date.now());
    lastSaved.current = new Map([...seeds].map(([streamId, read]) => [streamId, read.cursor]));
    resume(key, seeds);
  }, [resumed, streams, config, threadId, key, listed, resume]);

  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const flush = useRef(() => {
    const { config: c, threadId: thread, streams: live, texts: read, resumed: ready } = latest.current;
    if (c === undefined || thread === undefined || live === undefined || !ready) return;
    const send = (cursors: StreamCursor[]) => convex.mutation(c.save, { deviceId: c.deviceId, threadId: thread, cursors });
    saveProgress(c, thread, live, read, lastSaved.current, send, Date.now());
  });

  // Save at most every CHECKPOINT_SAVE_INTERVAL_MS while something moved.
  useEffect(() => {
    if (!resumed || config === undefined || streams === undefined || timer.current !== undefined) return;
    if (!hasUnsavedProgress(streams, texts, lastSaved.current)) return;
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
