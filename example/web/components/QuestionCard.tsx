import { useState } from "react";
import type { ServerRequest } from "../../../src/react/index.js";
import type { Answer } from "./ServerRequestCard.js";
import { useRequestAnswer } from "./useRequestAnswer.js";

type Question = NonNullable<ServerRequest["questions"]>[number];

/**
 * Codex's questions (`item/tool/requestUserInput`): pick an option or type an
 * answer, then send all (the button, or Enter on an option or a text box).
 * An expired request shows what was asked and why it expired, and takes no answer.
 */
export function QuestionCard({ request, answer }: { request: ServerRequest; answer: Answer }) {
  const questions = request.questions ?? [];
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const { send, sent, problem } = useRequestAnswer(request, answer);
  const expired = request.status === "expired";
  const complete = questions.every((q) => (answers[q.id] ?? "").trim() !== "");
  const submit = () => {
    if (sent || expired || !complete) return;
    send({ answers: Object.fromEntries(questions.map((q) => [q.id, { answers: [(answers[q.id] ?? "").trim()] }])) });
  };
  const fields = questions.map((q) => (
    <QuestionFields key={q.id} name={`${request._id}-${q.id}`} question={q} value={answers[q.id] ?? ""} disabled={sent || expired} onChange={(value) => setAnswers({ ...answers, [q.id]: value })} />
  ));
  if (expired) {
    return (
      <div className="request question expired" role="group" aria-label="Codex asked (expired)">
        {fields}
        <p className="muted" role="status">
          This question expired{request.expiredReason ? ` (${request.expiredReason})` : ""}: codex no longer waits for an answer.
        </p>
      </div>
    );
  }
  return (
    <form
      className="request question"
      aria-label="Codex asks"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      onKeyDown={(event) => {
        // Enter sends from an option too (browsers submit only from text boxes, and not all of them).
        if (event.key === "Enter" && event.target instanceof HTMLInputElement) {
          event.preventDefault();
          submit();
        }
      }}
    >
      {fields}
      <button type="submit" className="primary" disabled={sent || !complete}>
        {sent ? "Sent" : "Answer"}
      </button>
      {problem ? <p className="error-text" role="alert">{problem}</p> : null}
    </form>
  );
}

type FieldsProps = { name: string; question: Question; value: string; disabled: boolean; onChange: (value: string) => void };

/** One question: its options as radio buttons, and a text box when codex takes another answer. */
function QuestionFields({ name, question, value, disabled, onChange }: FieldsProps) {
  const options = question.options ?? [];
  const picked = options.some((o) => o.label === value);
  return (
    <fieldset>
      <legend>{question.header}</legend>
      <p>{question.question}</p>
      {options.map((option) => (
        <label key={option.label} className="option">
          <input type="radio" name={name} checked={value === option.label} disabled={disabled} onChange={() => onChange(option.label)} />
          {option.label} <span className="muted">{option.description}</span>
        </label>
      ))}
      {question.isOther || options.length === 0 ? (
        <input
          type={question.isSecret ? "password" : "text"}
          aria-label={question.question}
          placeholder={options.length ? "Or type your own answer" : "Your answer"}
          value={picked ? "" : value}
          disabled={disabled}
          onChange={(e) => onChange(e.target.value)}
        />
      ) : null}
    </fieldset>
  );
}
