/**
 * Which server requests of codex (approvals, user input, …) are waiting for
 * an answer, tracked from the lines themselves and stored in the session's
 * progress in the same transaction as the line that changed it (see
 * `progress.ts`). So after any crash the outbox knows exactly which JSON-RPC
 * ids died unanswered, and the bridge records them expired
 * (`bridge/serverRequestExpired`) instead of leaving them pending in Convex.
 *
 * A request opens with codex's request line (`id` and `method`); it closes
 * with the bridge's reply line (`id` and `result` or `error`) or codex's
 * `serverRequest/resolved` notification (`params.requestId`).
 */

/** Method of the bridge record that closes a server request whose JSON-RPC id died. */
export const SERVER_REQUEST_EXPIRED_METHOD = "bridge/serverRequestExpired";

/** A server request codex sent and nobody answered yet. */
export type PendingServerRequest = {
  /** The JSON-RPC id, exactly as codex sent it. */
  id: string | number;
  method: string;
  /** The thread it belongs to (`params.threadId`, or `params.conversationId` for legacy requests), or null. */
  threadId: string | null;
};

/**
 * The pending requests after `message` (one parsed line), or `pending`
 * itself when the line changes nothing.
 * @param origin - Who wrote the line: codex's requests and `serverRequest/resolved`
 *   count from `"codex"`, replies from `"bridge"`.
 */
export function observePending(
  pending: readonly PendingServerRequest[],
  message: Record<string, unknown>,
  origin: "codex" | "bridge",
): readonly PendingServerRequest[] {
  const id = message.id;
  const hasId = typeof id === "string" || typeof id === "number";
  const method = typeof message.method === "string" ? message.method : undefined;
  if (origin === "codex" && hasId && method !== undefined) {
    if (pending.some((p) => p.id === id)) return pending;
    const params = asObject(message.params);
    const threadId = params?.threadId ?? params?.conversationId;
    return [...pending, { id, method, threadId: typeof threadId === "string" ? threadId : null }];
  }
  if (origin === "bridge" && hasId && method === undefined && ("result" in message || "error" in message)) {
    return remove(pending, id);
  }
  if (origin === "codex" && method === "serverRequest/resolved" && !hasId) {
    const requestId = asObject(message.params)?.requestId;
    if (typeof requestId === "string" || typeof requestId === "number") return remove(pending, requestId);
  }
  return pending;
}

/** Whether a raw line may change the pending requests (a cheap test before parsing). */
export function mayChangePending(line: string, origin: "codex" | "bridge"): boolean {
  if (!line.includes('"id"')) return false;
  return origin === "bridge" ? !line.includes('"method"') : line.includes('"method"');
}

/** The record that closes one expired request. */
export function expiredLine(request: PendingServerRequest, reason: string): string {
  return JSON.stringify({ method: SERVER_REQUEST_EXPIRED_METHOD, params: { requestId: request.id, method: request.method, threadId: request.threadId, reason } });
}

function remove(pending: readonly PendingServerRequest[], id: string | number): readonly PendingServerRequest[] {
  const next = pending.filter((p) => p.id !== id);
  return next.length === pending.length ? pending : next;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
