/**
 * Error codes the component and host helpers throw, as `ConvexError` data
 * `{ code, message }`. Codes are stable: clients branch on `error.data.code`.
 */
import { ConvexError } from "convex/values";

/** Every error code the component and host throw (`ConvexError` data `{ code, message }`), with what it means. */
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
  /** The device secret belongs to a device its owner revoked: pair again (`codex-convex pair`). */
  DEVICE_REVOKED: "DEVICE_REVOKED",
  /** No device has this secret (never paired, or a wrong deployment): pair again. */
  DEVICE_UNKNOWN: "DEVICE_UNKNOWN",
  /** The browser named a device that is unknown or another user's (not told apart). */
  DEVICE_NOT_FOUND: "DEVICE_NOT_FOUND",
  /** The pairing code is wrong, used or expired (not told apart): create a new one. */
  PAIRING_CODE_INVALID: "PAIRING_CODE_INVALID",
  /** Too many attempts; `retryAfterMs` in the message data says when to try again. */
  RATE_LIMITED: "RATE_LIMITED",
  /** The server request already has an answer (the first answer wins). */
  REQUEST_ALREADY_ANSWERED: "REQUEST_ALREADY_ANSWERED",
  /** The server request expired or was cancelled with its turn: there is nothing left to answer. */
  REQUEST_CLOSED: "REQUEST_CLOSED",
  /** The server request is unknown or another user's (not told apart). */
  REQUEST_NOT_FOUND: "REQUEST_NOT_FOUND",
  /** The command is unknown or another device's / user's (not told apart). */
  COMMAND_NOT_FOUND: "COMMAND_NOT_FOUND",
  /** The workspace is not one the device declared in its last heartbeat. */
  WORKSPACE_NOT_FOUND: "WORKSPACE_NOT_FOUND",
  /** The thread's bridge session was not opened with a device secret, so no device can run its commands. */
  THREAD_NOT_ON_DEVICE: "THREAD_NOT_ON_DEVICE",
  /** The idempotency key was already used for a different command. */
  IDEMPOTENCY_KEY_REUSED: "IDEMPOTENCY_KEY_REUSED",
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** The `data` of every `ConvexError` this package throws (`retryAfterMs` only with RATE_LIMITED). */
export type CodexErrorData = { code: ErrorCode; message: string; retryAfterMs?: number };

/** Builds the `ConvexError` for `code`; the message says what to do next. */
export function codexError(
  code: ErrorCode,
  message: string,
  extra: { retryAfterMs?: number } = {},
): ConvexError<CodexErrorData> {
  return new ConvexError({ code, message, ...extra });
}

/** The code of a `ConvexError` thrown by this package, or undefined for any other error. */
export function errorCode(error: unknown): ErrorCode | undefined {
  if (!(error instanceof ConvexError)) return undefined;
  const data: unknown = error.data;
  if (typeof data !== "object" || data === null || !("code" in data)) return undefined;
  const code = (data as { code: unknown }).code;
  return Object.values(ERROR_CODES).find((c) => c === code);
}
