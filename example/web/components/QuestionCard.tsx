import { useState } from "react";
import type { ServerRequest } from "../../../src/react/index.js";
import { messageOf } from "./ApprovalCard.js";
import type { Answer } from "./ServerRequestCard.js";

/** Codex's questions (`item/tool/requestUserInput`): pick an option or type an answer, then send all. */
export function QuestionCard({ request, answer }: { request: ServerRequest; answer: Answer }) {
  const questions = request.questions ?? [];
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const sent = request.answerCommandId !== undefined;
  const complete = questions.every((q) => (answers[q.id] ?? "").trim() !== "");
  return (
    <form
      className="request question"
      aria-label="Codex asks"
      onSubmit={(event) => {
        event.preventDefault();
        const response = { answers: Object.fromEntries(questions.map((q) => [q.id, { answers: [answers[q.id] ?? ""] }])) };
        answer(request, response).catch((e: unknown) => setError(messageOf(e)));
      }}
    >
      {questions.map((q) => (
        <fieldset key={q.id}>
          <legend>{q.header}</legend>
          <p>{q.question}</p>
          {q.options?.map((option) => (
            <label key={option.label} className="option">
              <input
                type="radio"
                name={`${request._id}-${q.id}`}
                checked={answers[q.id] === option.label}
                onChange={() => setAnswers({ ...answers, [q.id]: option.label })}
              />
              {option.label} <span className="muted">{option.description}</span>
            </label>
          ))}
          {q.isOther || !q.options?.length ? (
            <input
              type={q.isSecret ? "password" : "text"}
              aria-label={q.question}
              placeholder="Your answer"
              onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value })}
            />
          ) : null}
        </fieldset>
      ))}
      <button type="submit" className="primary" disabled={sent || !complete}>
        {sent ? "Sent" : "Answer"}
      </button>
      {error ? <p className="error-text" role="alert">{error}</p> : null}
    </form>
  );
}
