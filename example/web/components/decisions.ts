/**
 * Labels for the decisions codex offers on an approval (`availableDecisions`:
 * strings like "accept", or one-key objects like `{acceptWithExecpolicyAmendment}`).
 */
const LABELS: Record<string, string> = {
  accept: "Allow",
  approved: "Allow",
  acceptForSession: "Allow for this session",
  approved_for_session: "Allow for this session",
  acceptWithExecpolicyAmendment: "Always allow this command",
  approved_execpolicy_amendment: "Always allow this command",
  applyNetworkPolicyAmendment: "Apply network rule",
  network_policy_amendment: "Apply network rule",
  decline: "Decline",
  denied: "Decline",
  cancel: "Decline and stop the turn",
  abort: "Decline and stop the turn",
};

/** The key of a decision: the string itself, or the object's single key. */
export function decisionKey(decision: unknown): string {
  if (typeof decision === "string") return decision;
  if (decision && typeof decision === "object") return Object.keys(decision)[0] ?? "decision";
  return String(decision);
}

/** What the button says for a decision. */
export function decisionLabel(decision: unknown): string {
  const key = decisionKey(decision);
  return LABELS[key] ?? key;
}

/** Decisions that refuse: shown as secondary buttons. */
export function isRefusal(decision: unknown): boolean {
  return ["decline", "denied", "cancel", "abort"].includes(decisionKey(decision));
}

/**
 * The decision as codex takes it back. The legacy `"denied"` stands for
 * `{denied: {rejection}}`.
 */
export function decisionValue(decision: unknown): unknown {
  if (decision === "denied") return { denied: { rejection: "Declined from the web page." } };
  return decision;
}
