"use client";

import { useQuery } from "convex/react";
import type { StreamInfo } from "../shared/validators.js";
import { type MessagesQuery, NO_MESSAGES, type ThreadQueryArgs, withQueryArgs } from "./types.js";

/**
 * The live streams of a thread: one per text of an in-progress item that is
 * still arriving (agent text, reasoning summary parts, command output, ...).
 * Reactive: a stream appears with its item's first delta, its `nextCursor`
 * grows with each delta, and it leaves the list once finished.
 *
 * ```ts
 * const streams = useThreadStreams(api.codex.listMessages, { threadId });
 * const typing = streams?.some((s) => s.kind === "agentText") ?? false;
 * ```
 *
 * @param query - The host's `listMessages` query (see {@link MessagesQuery}).
 * @param args - `{ threadId, ...hostArgs }`, or `"skip"` to load nothing.
 * @returns `StreamInfo[]` (`{ streamId, itemId, kind, part, state, nextCursor, ... }`,
 *   cursors in Codex delta events), or undefined while loading or skipped.
 */
export function useThreadStreams<Query extends MessagesQuery>(
  query: Query,
  args: ThreadQueryArgs<Query> | "skip",
): StreamInfo[] | undefined {
  const messagesQuery: MessagesQuery = query;
  const result = useQuery(
    messagesQuery,
    args === "skip" ? "skip" : withQueryArgs(args, { paginationOpts: NO_MESSAGES, streamArgs: { kind: "list" } }),
  );
  if (result === undefined) return undefined;
  return result.streams?.kind === "list" ? result.streams.streams : EMPTY;
}

const EMPTY: StreamInfo[] = [];
