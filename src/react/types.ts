/**
 * The shape of query the hooks call: the host's `listMessages` (see
 * `defineCodexApi`), or any public query with the same arguments and result.
 */
import type { FunctionArgs, FunctionReference, PaginationOptions } from "convex/server";
import type { MessagesPage, StreamArgs } from "../shared/validators.js";

/** Arguments of a messages query as the hooks send them. */
export type MessagesQueryArgs = {
  threadId: string;
  paginationOpts: PaginationOptions;
  order?: "asc" | "desc";
  streamArgs?: StreamArgs;
};

/**
 * A public query the hooks can call: takes at least {@link MessagesQueryArgs}
 * (a host may add arguments of its own) and returns a `MessagesPage`.
 */
export type MessagesQuery = FunctionReference<"query", "public", MessagesQueryArgs, MessagesPage>;

/**
 * What a caller passes to the hooks: the query's arguments without the ones
 * the hooks fill in (`paginationOpts`, `order`, `streamArgs`).
 */
export type ThreadQueryArgs<Query extends MessagesQuery> = Omit<
  FunctionArgs<Query>,
  "paginationOpts" | "order" | "streamArgs"
>;

/** Page options for a call that wants only streams: no messages. */
export const NO_MESSAGES: PaginationOptions = { numItems: 0, cursor: null };

/**
 * The caller's arguments plus the ones a hook fills in. The caller's type is
 * generic over the host's query, so it is widened here, in one place.
 */
export function withQueryArgs<Query extends MessagesQuery, Extra extends Partial<MessagesQueryArgs>>(
  args: ThreadQueryArgs<Query>,
  extra: Extra,
): { threadId: string } & Extra {
  return { ...(args as { threadId: string }), ...extra };
}
