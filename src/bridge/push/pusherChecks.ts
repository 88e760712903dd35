/** Checks on what the pusher is given and answered; pure. */
import type { IngestResult } from "../../shared/validators.js";
import { BridgeError } from "../errors.js";

/**
 * Throws unless `answer` is a well-formed `IngestResult`.
 * @throws BridgeError `TRANSPORT_FAILED` (the pusher retries).
 */
export function checkAnswer(answer: IngestResult): void {
  const ok =
    isRecord(answer) &&
    isSeq(answer.ackedSeq) &&
    typeof answer.duplicates === "number" &&
    (answer.gap === null || (isRecord(answer.gap) && isSeq(answer.gap.expectedSeq) && isSeq(answer.gap.receivedSeq)));
  if (!ok) {
    throw new BridgeError("TRANSPORT_FAILED", `ingestSafe answered something that is not an IngestResult: ${safeJson(answer)}; retrying.`);
  }
}

/**
 * A batch limit from the options, checked against its Convex-safe ceiling.
 * @returns `value`, or `ceiling` when undefined.
 * @throws BridgeError `INVALID_ARGUMENT` when not an integer in 1..ceiling.
 */
export function checkLimit(name: string, value: number | undefined, ceiling: number): number {
  if (value === undefined) return ceiling;
  if (!Number.isInteger(value) || value < 1 || value > ceiling) {
    throw new BridgeError("INVALID_ARGUMENT", `${name} must be an integer from 1 to ${ceiling}, got ${String(value)}.`);
  }
  return value;
}

/** Whether `value` is a seq (a non-negative integer; 0 means "none yet"). */
export function isSeq(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Any failure as a BridgeError: others (SQLite, bugs) become `OUTBOX_CORRUPT`, retried with backoff. */
export function asBridgeError(error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  return new BridgeError("OUTBOX_CORRUPT", `Reading or writing the outbox failed: ${errorMessage(error)}. Retrying with backoff.`, {
    cause: error,
  });
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}

