"use client";

import type { UsePaginatedQueryResult } from "convex/react";
import { usePaginatedQuery } from "convex-helpers/react";
import { useMemo } from "react";
import { mergeMessages, type UIMessage } from "./mergeStreams.js";
import { type MessagesQuery, type ThreadQueryArgs, withQueryArgs } from "./types.js";
import { useStreamDeltas } from "./useStreamDeltas.js";
import { type MessageTextQuery, useFullTexts } from "./useMessageText.js";
import { useThreadStreams } from "./useThreadStreams.js";
import type { StreamCheckpointOptions } from "./useStreamCheckpoints.js";
import type { StreamInfo } from "../shared/validators.js";

const NO_STREAMS: readonly StreamInfo[] = [];

export type UseMessagesOptions = {
  /** Messages in the first page (newest first), 1..200. */
  initialNumItems: number;
  /** Follow live streams so in-progress items show their text as it arrives. Default false. */
  stream?: boolean;
  /**
   * The host's `getMessageText`: when given, the whole text of every loaded
   * message longer than `MAX_MESSAGE_INLINE_CHARS` (8 Ki code units; pages
   * carry only that head) is loaded once and put in place; `textComplete`
   * says which texts are whole. Cost: one one-shot query per long message
   * (see `useFullTexts`). Without it, long messages show their head with
   * `textComplete: false` (load one on demand with `useMessageText`).
   */
  fullText?: MessageTextQuery;
  /**
   * With `stream: true`: save this device's stream checkpoints and resume
   * from them after a reload, instead of replaying each live stream from
   * cursor 0. `{ save: api.codex.saveCheckpoints, list: api.codex.listCheckpoints,
   * deviceId?, storage? }`; see {@link StreamCheckpointOptions}. Default: off.
   */
  checkpoints?: StreamCheckpointOptions;
};

/** As convex/react's `usePaginatedQuery`: `{ results, status, isLoading, loadMore }`. */
export type UseMessagesResult = UsePaginatedQueryResult<UIMessage>;

/**
 * A thread's messages for a UI, oldest first, with live text for items still
 * in progress.
 *
 * Pages are loaded newest first (`order: "desc"`) with convex-helpers'
 * `usePaginatedQuery`, which keeps adjacent pages adjacent as the thread grows;
 * `loadMore(n)` loads `n` older messages. With `stream: true` it also follows
 * the thread's live streams ({@link useThreadStreams}, {@link useStreamDeltas})
 * and merges their text in with {@link mergeMessages}; with `checkpoints` a
 * reloaded page resumes each live stream where this device left it.
 *
 * ```ts
 * const { results, status, loadMore } = useMessages(
 *   api.codex.listMessages,
 *   threadId ? { threadId } : "skip",
 *   {
 *     initialNumItems: 30,
 *     stream: true,
 *     fullText: api.codex.getMessageText,
 *     checkpoints: { save: api.codex.saveCheckpoints, list: api.codex.listCheckpoints },
 *   },
 * );
 * // results: UIMessage[] ascending by order; results[i].text grows while streaming;
 * // results[i].textComplete is false while a long text shows only its head.
 * ```
 *
 * @param query - The host's `listMessages` query (see {@link MessagesQuery}).
 * @param args - `{ threadId, ...hostArgs }`, or `"skip"` to load nothing.
 * @param options - `{ initialNumItems, stream?, fullText?, checkpoints? }`.
 * @returns `{ results: UIMessage[], status, isLoading, loadMore(numItems) }`,
 *   status one of "LoadingFirstPage", "CanLoadMore", "LoadingMore", "Exhausted".
 * @throws Error when `checkpoints.deviceId` is given but not a valid device id.
 */
export function useMessages<Query extends MessagesQuery>(
  query: Query,
  args: ThreadQueryArgs<Query> | "skip",
  options: UseMessagesOptions,
): UseMessagesResult {
  const messagesQuery: MessagesQuery = query;
  const paginated = usePaginatedQuery(
    messagesQuery,
    args === "skip" ? "skip" : withQueryArgs(args, { order: "desc" as const }),
    { initialNumItems: options.initialNumItems },
  );
  const streamArgs = options.stream === true ? args : "skip";
  const streams = useThreadStreams(query, streamArgs);
  const texts = useStreamDeltas(query, streamArgs, streams, options.stream === true ? options.checkpoints : undefined);
  const merged = useMemo(
    () => mergeMessages(paginated.results, { streams: streams ?? NO_STREAMS, texts }),
    [paginated.results, streams, texts],
  );
  const results = useFullTexts(options.fullText, args, merged);
  return { ...paginated, results };
}
