import { useState } from "react";
import type { ServerRequest } from "../../../src/react/index.js";
import { decisionKey, decisionLabel, decisionValue, isRefusal } from "./decisions.js";
import type { Answer } from "./ServerRequestCard.js";

/** An approval codex asks for: what it wants to do, and one button per decision it offers. */
export function ApprovalCard({ request, answer }: { request: ServerRequest; answer: Answer }) {
  const [error, setError] = useState<string | null>(null);
  const decisions = request.availableDecisions ?? ["accept", "decline"];
  const sent = request.answerCommandId !== undefined;
  return (
    <div className="request approval" role="group" aria-label="Approval needed" data-request-id={request._id}>
      <strong>{request.method.includes("fileChange") || request.method === "applyPatchApproval" ? "Apply these changes?" : "Run this command?"}</strong>
      {request.command ? <pre className="output">$ {request.command}</pre> : null}
      {request.cwd ? <div className="meta">in {request.cwd}</div> : null}
      {request.reason ? <p>{request.reason}</p> : null}
      {request.paths?.length ? <p className="meta">{request.paths.join(", ")}</p> : null}
      {request.diff ? <pre className="diff">{request.diff}</pre> : null}
      <div className="actions">
        {decisions.map((decision) => (
          <button
            key={decisionKey(decision)}
            type="button"
            className={isRefusal(decision) ? "secondary" : "primary"}
            disabled={sent}
            onClick={() => {
              setError(null);
              answer(request, { decision: decisionValue(decision) }).catch((e: unknown) => setError(messageOf(e)));
            }}
          >
            {decisionLabel(decision)}
          </button>
        ))}
      </div>
      {sent ? <p className="muted" role="status">Answer sent; waiting for your desktop…</p> : null}
      {error ? <p className="error-text" role="alert">{error}</p> : null}
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
