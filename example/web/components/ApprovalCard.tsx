import type { ServerRequest } from "../../../src/react/index.js";
import { requestDiffFiles } from "./diff.js";
import { DiffView } from "./DiffView.js";
import { decisionKey, decisionLabel, decisionValue, isRefusal } from "./decisions.js";
import type { Answer } from "./ServerRequestCard.js";
import { useRequestAnswer } from "./useRequestAnswer.js";

/**
 * An approval codex asks for: what it wants to do (a file change's diff as
 * the thread shows diffs), and one button per decision it offers; an expired one shows what was asked and why it expired, with no buttons.
 */
export function ApprovalCard({ request, answer }: { request: ServerRequest; answer: Answer }) {
  const { send, sent, problem } = useRequestAnswer(request, answer);
  const decisions = request.availableDecisions ?? ["accept", "decline"];
  const expired = request.status === "expired";
  return (
    <div className="request approval" role="group" aria-label={expired ? "Approval expired" : "Approval needed"} data-request-id={request._id}>
      <strong>{request.method.includes("fileChange") || request.method === "applyPatchApproval" ? "Apply these changes?" : "Run this command?"}</strong>
      {request.command ? <pre className="output">$ {request.command}</pre> : null}
      {request.cwd ? <div className="meta">in {request.cwd}</div> : null}
      {request.reason ? <p>{request.reason}</p> : null}
      {request.paths?.length ? <p className="meta">{request.paths.join(", ")}</p> : null}
      {request.diff ? <DiffView files={requestDiffFiles(request.diff)} /> : null}
      {expired ? (
        <p className="muted" role="status">This request expired{request.expiredReason ? ` (${request.expiredReason})` : ""}: codex no longer waits for an answer.</p>
      ) : (
        <div className="actions">
          {decisions.map((decision) => (
            <button
              key={decisionKey(decision)}
              type="button"
              className={isRefusal(decision) ? "secondary" : "primary"}
              disabled={sent}
              onClick={() => send({ decision: decisionValue(decision) })}
            >
              {decisionLabel(decision)}
            </button>
          ))}
        </div>
      )}
      {sent ? <p className="muted" role="status">Answer sent; waiting for your desktop…</p> : null}
      {problem ? <p className="error-text" role="alert">{problem}</p> : null}
    </div>
  );
}

/** The message of a thrown error (ConvexError data or Error message). */
export function messageOf(error: unknown): string {
  if (error && typeof error === "object" && "data" in error) {
    const data = (error as { data: unknown }).data;
    if (typeof data === "string") return data;
    if (data && typeof data === "object" && "message" in data) return String((data as { message: unknown }).message);
  }
  return error instanceof Error ? error.message : String(error);
}
