/** Hooks for codex's server requests (approvals, questions, tool calls) of a thread, and answering them. */
import { useMutation, useQuery } from "convex/react";
import { useCallback } from "react";
import type { CommandReceipt, ServerRequest, ServerRequestAnswer } from "../shared/validators.js";
import { newIdempotencyKey, optimisticAnswer } from "./optimistic.js";
import type { AnswerMutation, ServerRequestsQuery } from "./steerTypes.js";

/**
 * The pending server requests of a thread, newest first, with what a UI
 * shows: `method`, `command`, `cwd`, `reason`, `availableDecisions`,
 * `proposedExecpolicyAmendment`, `paths`, `diff`, `questions`, `serverName`,
 * `url`, `tool`, ... (see `vRequestViewFields`). Reactive: a request leaves
 * the list once the desktop answered it (or it is resolved, cancelled or
 * expired); while an answer is on its way, `answerCommandId` is set (follow it
 * with `useCommand`; a failed or expired answer command lets the user answer again).
 *
 * ```ts
 * const requests = useServerRequests(api.codex.listServerRequests, threadId);
 * const approval = requests?.find((r) => r.method === "item/commandExecution/requestApproval");
 * ```
 *
 * @param query - The host's `listServerRequests`.
 * @param threadId - The thread, or `"skip"`.
 * @returns the pending requests, or undefined while loading or skipped.
 */
export function useServerRequests(query: ServerRequestsQuery, threadId: string | "skip"): ServerRequest[] | undefined {
  return useQuery(query, threadId === "skip" ? "skip" : { threadId });
}

/** What the answer function takes (the key is optional: a random one by default). */
export type AnswerInput = { threadId: string; requestId: string; response: ServerRequestAnswer; idempotencyKey?: string };

/**
 * A function that answers a pending server request. The answer must be of the
 * request method's response type (`{ decision }` for approvals, with a
 * decision from `availableDecisions`; `{ answers }` for questions; `{ action,
 * content }` for elicitations; `{ contentItems, success }` for tool calls).
 * The first answer wins. With `listServerRequests`, the request shows its
 * answer as sent (`answerCommandId`) at once.
 *
 * ```ts
 * const answer = useAnswerServerRequest(api.codex.answerServerRequest, api.codex.listServerRequests);
 * await answer({ threadId, requestId: approval._id, response: { decision: "accept" } });
 * ```
 *
 * @param mutation - The host's `answerServerRequest`.
 * @param listServerRequests - The host's `listServerRequests`, for the optimistic update; omit for none.
 * @returns `answer({ threadId, requestId, response, idempotencyKey? })` → `Promise<{ commandId, status }>`;
 *   rejects with REQUEST_ALREADY_ANSWERED, REQUEST_CLOSED, REQUEST_NOT_FOUND or INVALID_ARGUMENT.
 */
export function useAnswerServerRequest(
  mutation: AnswerMutation,
  listServerRequests?: ServerRequestsQuery,
): (input: AnswerInput) => Promise<CommandReceipt> {
  const plain = useMutation(mutation);
  const answer = listServerRequests === undefined ? plain : plain.withOptimisticUpdate(optimisticAnswer(listServerRequests));
  return useCallback(
    (input: AnswerInput) =>
      answer({
        threadId: input.threadId,
        requestId: input.requestId,
        response: input.response,
        idempotencyKey: input.idempotencyKey ?? newIdempotencyKey(),
      }),
    [answer],
  );
}
