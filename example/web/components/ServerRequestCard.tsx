import type { ServerRequest, ServerRequestAnswer } from "../../../src/react/index.js";
import { ApprovalCard } from "./ApprovalCard.js";
import { QuestionCard } from "./QuestionCard.js";

/**
 * Answers one request (the page's `useAnswerServerRequest`, bound to the
 * thread) under the idempotency key given, so the card can follow its command.
 */
export type Answer = (request: ServerRequest, response: unknown, idempotencyKey: string) => Promise<unknown>;

/** One server request, by method: a question form, or an approval with codex's decisions; an expired one says so. */
export function ServerRequestCard({ request, answer }: { request: ServerRequest; answer: Answer }) {
  if (request.method === "item/tool/requestUserInput") return <QuestionCard request={request} answer={answer} />;
  if (request.method.toLowerCase().includes("approval")) return <ApprovalCard request={request} answer={answer} />;
  return (
    <div className="request">
      <strong>{request.method}</strong>
      <p className="muted">
        {request.status === "expired" ? "This request expired." : "Answer this request on your desktop; the page cannot answer it yet."}
      </p>
    </div>
  );
}

export type { ServerRequestAnswer };
