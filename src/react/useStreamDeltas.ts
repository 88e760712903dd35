"use client";

import { useQuery } from "convex/react";
import { useEffect, useMemo, useReducer } from "react";
import type { StreamAnswer, StreamDelta, StreamInfo } from "../shared/validators.js";
import { foldDeltas, streamCursors, type StreamTexts } from "./mergeStreams.js";
import { type MessagesQuery, NO_MESSAGES, type ThreadQueryArgs, withQueryArgs } from "./types.js";

type Fold = { live: readonly StreamInfo[]; deltas: readonly StreamDelta[]; answers: readonly StreamAnswer[] };

function reduce(texts: StreamTexts, { live, deltas, answers }: Fold): StreamTexts {
  return foldDeltas(texts, live, deltas, answers);
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
 * ```ts
 * const streams = useThreadStreams(api.codex.listMessages, { threadId });
 * const texts = useStreamDeltas(api.codex.listMessages, { threadId }, streams);
 * const output = texts.get(streamId)?.text ?? "";
 * ```
 *
 * @param query - The host's `listMessages` query (see {@link MessagesQuery}).
 * @param args - `{ threadId, ...hostArgs }`, or `"skip"` to load nothing.
 * @param streams - The thread's live streams (from {@link useThreadStreams});
 *   undefined while they load.
 * @returns `ReadonlyMap<streamId, { cursor, text }>`, cursors in Codex delta
 *   events; a new map whenever some text grew.
 */
export function useStreamDeltas<Query extends MessagesQuery>(
  query: Query,
  args: ThreadQueryArgs<Query> | "skip",
  streams: readonly StreamInfo[] | undefined,
): StreamTexts {
  const messagesQuery: MessagesQuery = query;
  const [texts, dispatch] = useReducer(reduce, NOTHING_READ);
  const cursors = useMemo(() => (streams ? streamCursors(streams, texts) : []), [streams, texts]);
  const result = useQuery(
    messagesQuery,
    args === "skip" || cursors.length === 0
      ? "skip"
      : withQueryArgs(args, { paginationOpts: NO_MESSAGES, streamArgs: { kind: "deltas", cursors } }),
  );
  const answer = result?.streams?.kind === "deltas" ? result.streams : undefined;
  useEffect(() => {
    if (streams !== undefined) dispatch({ live: streams, deltas: answer?.deltas ?? [], answers: answer?.answers ?? [] });
  }, [streams, answer]);
  return texts;
}
