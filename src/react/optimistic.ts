/**
 * Pure logic behind the steering hooks' optimistic updates: the user's
 * message shown at once in the cached pages of `listMessages`, and an
 * answered request marked "answer sent" in the cached request lists. No React here, so
 * it is tested as plain functions against a stand-in local store.
 */
import type { OptimisticLocalStore } from "convex/browser";
import type { MessageDoc, MessagesPage, ServerRequest } from "../shared/validators.js";
import type { AnswerArgs, SendMessageArgs, ServerRequestsQuery } from "./steerTypes.js";
import type { MessagesQuery, MessagesQueryArgs } from "./types.js";

/** Prefix of the ids of optimistic messages (never a Codex item id). */
export const OPTIMISTIC_ID_PREFIX = "optimistic:";

/**
 * A new idempotency key for a command: a random UUID (122 random bits), or
 * 128 random bits in hex where `crypto.randomUUID` is missing.
 */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The placeholder user message shown until codex's own `userMessage` item arrives. */
export function optimisticUserMessage(args: SendMessageArgs, order: number, now: number): MessageDoc {
  return {
    _id: `${OPTIMISTIC_ID_PREFIX}${args.idempotencyKey}`,
    _creationTime: now,
    threadId: args.threadId,
    turnId: "",
    itemId: `${OPTIMISTIC_ID_PREFIX}${args.idempotencyKey}`,
    order,
    kind: "userMessage",
    status: "inProgress",
    role: "user",
    text: args.text,
    item: JSON.stringify({ type: "userMessage", id: `${OPTIMISTIC_ID_PREFIX}${args.idempotencyKey}`, content: [{ type: "text", text: args.text }] }),
  };
}

/**
 * A cached messages page with the user's message added where the newest
 * messages are: first on the newest page of a newest-first query (`order:
 * "desc"`, no cursor), last on the final page of an oldest-first query. Other
 * pages, pages of other threads and stream-only calls (`numItems: 0`) are
 * left as they are.
 * @returns the new page, or undefined when this page does not change.
 */
export function withOptimisticMessage(
  queryArgs: MessagesQueryArgs,
  page: MessagesPage,
  args: SendMessageArgs,
  now: number,
): MessagesPage | undefined {
  if (queryArgs.threadId !== args.threadId || queryArgs.paginationOpts.numItems === 0) return undefined;
  const id = `${OPTIMISTIC_ID_PREFIX}${args.idempotencyKey}`;
  if (page.page.some((m) => m._id === id)) return undefined;
  const order = page.page.reduce((max, m) => Math.max(max, m.order), -1) + 1;
  const message = optimisticUserMessage(args, order, now);
  if ((queryArgs.order ?? "asc") === "desc") {
    if (queryArgs.paginationOpts.cursor !== null) return undefined;
    return { ...page, page: [message, ...page.page] };
  }
  if (!page.isDone) return undefined;
  return { ...page, page: [...page.page, message] };
}

/**
 * The optimistic update of `sendMessage`: shows the message in every cached
 * page of `listMessages` where the thread's newest messages are. Convex rolls
 * it back once the mutation's result reaches the client (the command is
 * queued); codex's own `userMessage` item follows when the desktop runs it.
 */
export function optimisticSend(listMessages: MessagesQuery, now: () => number = Date.now) {
  return (store: OptimisticLocalStore, args: SendMessageArgs): void => {
    for (const { args: queryArgs, value } of store.getAllQueries(listMessages)) {
      if (value === undefined) continue;
      const next = withOptimisticMessage(queryArgs, value, args, now());
      if (next !== undefined) store.setQuery(listMessages, queryArgs, next);
    }
  };
}

/**
 * A cached list of a thread's requests with the one just answered marked as
 * answered (`answerCommandId` set to an optimistic id), as the server marks it
 * once the answer is queued: a UI shows "answer sent" at once, with no flicker
 * when the server's list arrives. @returns undefined when the list does not change.
 */
export function withAnswerSent(
  queryArgs: { threadId: string },
  requests: ServerRequest[],
  args: Pick<AnswerArgs, "threadId" | "requestId" | "idempotencyKey">,
): ServerRequest[] | undefined {
  if (queryArgs.threadId !== args.threadId) return undefined;
  let changed = false;
  const next = requests.map((r) => {
    if (r._id !== args.requestId || r.answerCommandId !== undefined) return r;
    changed = true;
    return { ...r, answerCommandId: `${OPTIMISTIC_ID_PREFIX}${args.idempotencyKey}` };
  });
  return changed ? next : undefined;
}

/** The optimistic update of `answerServerRequest`: the request shows its answer as sent at once. */
export function optimisticAnswer(listServerRequests: ServerRequestsQuery) {
  return (store: OptimisticLocalStore, args: AnswerArgs): void => {
    for (const { args: queryArgs, value } of store.getAllQueries(listServerRequests)) {
      if (value === undefined) continue;
      const next = withAnswerSent(queryArgs, value, args);
      if (next !== undefined) store.setQuery(listServerRequests, queryArgs, next);
    }
  };
}
