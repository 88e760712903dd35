import { useState } from "react";
import { type ServerRequest, useCommand } from "../../../src/react/index.js";
import { codex } from "../api.js";
import { messageOf } from "./ApprovalCard.js";
import type { Answer } from "./ServerRequestCard.js";

export type RequestAnswer = {
  /** Sends `response` (codex's response type for the request's method) under a fresh idempotency key. */
  send: (response: unknown) => void;
  /** An answer is on its way (or delivered): the card takes no other. */
  sent: boolean;
  /** Why the last answer did not go through (refused, or not delivered by the desktop), for a `role="alert"`. */
  problem: string | null;
};

/**
 * The answer to one server request, for its card. The card sends with a key
 * of its own and follows that command (`useCommand`), so an answer the
 * desktop could not deliver (command `failed` or `expired`) says why and lets
 * the user answer again, as the component allows.
 */
export function useRequestAnswer(request: ServerRequest, answer: Answer): RequestAnswer {
  const [key, setKey] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const command = useCommand(codex.getCommand, key ?? "skip");
  const lost = command?.status === "failed" || command?.status === "expired";
  const problem =
    error ?? (lost ? `Your answer did not reach codex (${command.error?.message ?? "your desktop did not take it in time"}); answer again.` : null);
  return {
    send: (response) => {
      const idempotencyKey = crypto.randomUUID();
      setKey(idempotencyKey);
      setError(null);
      answer(request, response, idempotencyKey).catch((e: unknown) => setError(messageOf(e)));
    },
    sent: request.answerCommandId !== undefined && problem === null,
    problem,
  };
}
