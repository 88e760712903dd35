"use client";

import { useQuery } from "convex/react";
import { useCallback, useEffect, useMemo, useReducer } from "react";
import type { StreamAnswer, StreamDelta, StreamInfo } from "../shared/validators.js";
import { foldDeltas, streamCursors, type StreamText, type StreamTexts } from "./mergeStreams.js";
import { type MessagesQuery, NO_MESSAGES, type ThreadQueryArgs, withQueryArgs } from "./types.js";
import { CHECKPOINTS_OFF, type StreamCheckpointOptions, useStreamCheckpoints } from "./useStreamCheckpoints.js";

type Action =
  | { type: "fold"; live: readonly StreamInfo[]; deltas: readonly StreamDelta[]; answers: readonly StreamAnswer[] }
  | { type: "resume"; key: string; seeds: StreamTexts };

/** What has been read, and the device and thread it was resumed for (deltas are asked only after that). */
type State = { texts: StreamTexts; resumedFor: string | undefined };

function reduce(state: State, action: Action): State {
  if (action.type === "fold") {
    const texts = foldDeltas(state.texts, action.live, action.deltas, action.answers);
    return texts === state.texts ? state : { ...state, texts };
  }
  if (state.resumedFor === action.key) return state;
  return { texts: resumeFrom(state.texts, action.seeds), resumedFor: action.key };
}

/** Progress with each resumed stream put at its checkpoint, unless it is already further. */
function resumeFrom(texts: StreamTexts, seeds: StreamTexts): StreamTexts {
  if (seeds.size === 0) return texts;
  const next = new Map<string, StreamText>(texts);
  for (const [streamId, seed] of seeds) {
    if ((next.get(streamId)?.cursor ?? 0) < seed.cursor) next.set(streamId, seed);
  }
  return next;
}

const NOTHING_READ: StreamTexts = new Map();

/**
 * Reads the text of live streams as it arrives. Subscribes to the deltas after
 * the cursors read so far (at most `MAX_STREAM_CURSORS` streams and
 * `MAX_DELTAS_PER_STREAM` deltas per stream per answer), folds each answer in
 * with `applyDeltas`, and asks again from the new cursors, so a long stream
 * catches up in several answers and then follows new deltas as they land.
 * A stream the server compacted answers `rebased`: its text is replaced by
 * the durable text; a `stale` one is dropped. Progress of streams that leave
 * `streams` is dropped.
 *
 * With `checkpoints`, it first resumes each live stream from this device's
 * saved checkpoint and cached text (so a reload does not replay streams from
 * cursor 0), and saves the cursors it reaches; see {@link StreamCheckpointOptions}.
 *
 * ```ts
 * const streams = useThreadStreams(api.codex.listMessages, { threadId });
 * const texts = useStreamDeltas(api.codex.listMessages, { threadId }, streams,
 *   { save: api.codex.saveCheckpoints, list: api.codex.listCheckpoints });
 * const output = texts.get(streamId)?.text ?? "";
 * ```
 *
 * @param query - The host's `listMessages` query (see {@link MessagesQuery}).
 * @param args - `{ threadId, ...hostArgs }`, or `"skip"` to load nothing.
 * @param streams - The thread's live streams (from {@link useThreadStreams});
 *   undefined while they load.
 * @param checkpoints - Optional: save and resume per-device checkpoints
 *   (`{ save, list, deviceId?, storage? }`); without it streams start from 0.
 * @returns `ReadonlyMap<streamId, { cursor, text, omittedChars? }>`, cursors in
 *   Codex delta events; a new map whenever some text grew.
 * @throws Error when `checkpoints.deviceId` is not a valid device id.
 */
export function useStreamDeltas<Query extends MessagesQuery>(
  query: Query,
  args: ThreadQueryArgs<Query> | "skip",
  streams: readonly StreamInfo[] | undefined,
  checkpoints?: StreamCheckpointOptions,
): StreamTexts {
  const messagesQuery: MessagesQuery = query;
  const threadId = args === "skip" ? undefined : (args as { threadId: string }).threadId;
  const [state, dispatch] = useReducer(reduce, checkpoints, (options): State => ({
    texts: NOTHING_READ,
    // Without checkpoints nothing is waited for: deltas are asked from the first render.
    resumedFor: options === undefined ? CHECKPOINTS_OFF : undefined,
  }));
  const { texts, resumedFor } = state;
  const resume = useCallback((key: string, seeds: StreamTexts) => dispatch({ type: "resume", key, seeds }), []);
  const key = useStreamCheckpoints(checkpoints, threadId, streams, texts, resumedFor, resume);
  const resumed = resumedFor === key;
  const cursors = useMemo(() => (streams && resumed ? streamCursors(streams, texts) : []), [streams, texts, resumed]);
  const result = useQuery(
    messagesQuery,
    args === "skip" || cursors.length === 0
      ? "skip"
      : withQueryArgs(args, { paginationOpts: NO_MESSAGES, streamArgs: { kind: "deltas", cursors } }),
  );
  const answer = result?.streams?.kind === "deltas" ? result.streams : undefined;
  useEffect(() => {
    if (streams !== undefined) dispatch({ type: "fold", live: streams, deltas: answer?.deltas ?? [], answers: answer?.answers ?? [] });
  }, [streams, answer]);
  return texts;
}
