/**
 * What the bridge answers a server request of codex 0.169 when nobody
 * (no browser) answers it: the `--unattended` policy.
 *
 * - `decline`: approvals are declined (`decline`, or `denied` for the legacy
 *   `execCommandApproval` / `applyPatchApproval`), a permissions request is
 *   granted nothing, an MCP elicitation is declined; requests that have no
 *   "no" (user input, dynamic tool calls, …) get a JSON-RPC error.
 * - `accept-for-session`: approvals are accepted for the rest of the session
 *   (`acceptForSession` when codex offers it, else `accept`; legacy
 *   `approved_for_session`), a permissions request is granted as asked for the
 *   session; everything else is answered as under `decline`.
 */

/** Policies of `--unattended`. */
export const UNATTENDED_POLICIES = ["decline", "accept-for-session"] as const;

/** One of {@link UNATTENDED_POLICIES}. */
export type UnattendedPolicy = (typeof UNATTENDED_POLICIES)[number];

/** JSON-RPC error code sent for a request the policy cannot answer with a result. */
export const UNANSWERED_ERROR_CODE = -32000;

/** An answer: a result, or a JSON-RPC error. */
export type ServerRequestAnswer = { result: unknown } | { error: { code: number; message: string } };

/**
 * The policy's answer to one request.
 * @param method - The request's method.
 * @param params - Its params (read for `availableDecisions` and requested permissions).
 */
export function unattendedAnswer(method: string, params: unknown, policy: UnattendedPolicy): ServerRequestAnswer {
  const accept = policy === "accept-for-session";
  const p = (typeof params === "object" && params !== null ? params : {}) as Record<string, unknown>;
  switch (method) {
    case "item/commandExecution/requestApproval": {
      if (!accept) return { result: { decision: "decline" } };
      const offered = Array.isArray(p.availableDecisions) ? p.availableDecisions : null;
      return { result: { decision: offered === null || offered.includes("acceptForSession") ? "acceptForSession" : "accept" } };
    }
    case "item/fileChange/requestApproval":
      return { result: { decision: accept ? "acceptForSession" : "decline" } };
    case "item/permissions/requestApproval":
      return { result: { permissions: accept && typeof p.permissions === "object" && p.permissions !== null ? p.permissions : {}, scope: accept ? "session" : "turn" } };
    case "execCommandApproval":
    case "applyPatchApproval":
      return { result: { decision: accept ? "approved_for_session" : { denied: { rejection: "Nobody was there to approve it (codex-convex --unattended decline)." } } } };
    case "mcpServer/elicitation/request":
      return { result: { action: "decline", content: null, _meta: null } };
    default:
      return { error: { code: UNANSWERED_ERROR_CODE, message: `Nobody answered ${method}: codex-convex runs unattended here (--unattended ${policy}).` } };
  }
}
