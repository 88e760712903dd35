/**
 * Error codes the component and host helpers throw, as `ConvexError` data
 * `{ code, message }`. Codes are stable: clients branch on `error.data.code`.
 */
import { ConvexError } from "convex/values";

export const ERROR_CODES = {
  /** The thread does not exist or belongs to another user. */
  THREAD_NOT_FOUND: "THREAD_NOT_FOUND",
  /** `ingestSafe` named a session `ensureSession` never created. */
  SESSION_NOT_FOUND: "SESSION_NOT_FOUND",
  /**
   * Kept for clients that branch on it; the component no longer throws it:
   * sessions and threads are keyed per user, so another user's ids are never in the way.
   */
  SESSION_MISMATCH: "SESSION_MISMATCH",
  /** A batch or event is over a size limit in `src/shared/limits.ts`. */
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  /** A batch's seqs are not positive integers in ascending, non-overlapping order. */
  INVALID_BATCH: "INVALID_BATCH",
  /** An argument is out of its documented range. */
  INVALID_ARGUMENT: "INVALID_ARGUMENT",
  /** The caller is not signed in. */
  UNAUTHENTICATED: "UNAUTHENTICATED",
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The `data` of every `ConvexError` this package throws. */
export type CodexErrorData = { code: ErrorCode; message: string };

/** Builds the `ConvexError` for `code`; the message says what to do next. */
export function codexError(code: ErrorCode, message: string): ConvexError<CodexErrorData> {
  return new ConvexError({ code, message });
}

/** The code of a `ConvexError` thrown by this package, or undefined for any other error. */
export function errorCode(error: unknown): ErrorCode | undefined {
  if (!(error instanceof ConvexError)) return undefined;
  const data: unknown = error.data;
  if (typeof data !== "object" || data === null || !("code" in data)) return undefined;
  const code = (data as { code: unknown }).code;
  return Object.values(ERROR_CODES).find((c) => c === code);
}
