/**
 * Sorting a failed Convex call into transient (retry with backoff) or
 * permanent (stop pushing that session; see `errors.ts`). Pure: it reads the
 * thrown error and the HTTP status the transport saw, nothing else.
 *
 * | what failed                                              | class     | code |
 * |----------------------------------------------------------|-----------|------|
 * | no answer: network down, DNS, refused, aborted/timed out | transient | `TRANSPORT_FAILED` |
 * | HTTP 5xx, 408, 425, 429 (`Retry-After` honoured)         | transient | `TRANSPORT_FAILED` |
 * | function failed on OCC, overload, internal server error  | transient | `TRANSPORT_FAILED` |
 * | a rate limiter's `ConvexError` (`kind: "RateLimited"`)   | transient | `TRANSPORT_FAILED` |
 * | HTTP 401/403 (token expired, invalid)                    | permanent | `UNAUTHENTICATED` |
 * | `ConvexError` with one of our codes                      | permanent | that code (`UNAUTHENTICATED`, `SESSION_MISMATCH`, `INVALID_BATCH`, `PAYLOAD_TOO_LARGE`, `SESSION_NOT_FOUND`, `DEVICE_REVOKED`, `DEVICE_UNKNOWN`) |
 * | any other `ConvexError` (a deliberate refusal)           | permanent | `CONVEX_REJECTED` |
 * | the function does not exist on the deployment            | permanent | `FUNCTION_NOT_FOUND` |
 * | the function threw anything else (e.g. on a line)        | permanent | `FUNCTION_FAILED` |
 * | any other HTTP 4xx (404: not a Convex deployment URL)    | permanent | `CONVEX_REJECTED` |
 */
import { ConvexError, type Value } from "convex/values";
import { BridgeError, type PermanentPushCode } from "../errors.js";

/** Longest `Retry-After` (or rate limiter `retryAfter`) honoured, in ms; longer asks are cut to it. */
export const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** What the transport saw of the HTTP exchange, if it got that far. */
export type HttpOutcome = {
  /** Status of the last response, or undefined when no response came. */
  status?: number;
  /** The response's `Retry-After`, in ms, when it had one. */
  retryAfterMs?: number;
};

/** Where the failure happened, for the message. */
export type CallContext = { functionName: string; url: string };

/** Status Convex answers when the function itself threw (the body says how). */
export const STATUS_FUNCTION_FAILED = 560;

/** Codes the component and host wrappers throw that the bridge keeps as they are. */
const KEPT_REMOTE_CODES: ReadonlySet<string> = new Set<PermanentPushCode>([
  "UNAUTHENTICATED",
  "SESSION_MISMATCH",
  "INVALID_BATCH",
  "PAYLOAD_TOO_LARGE",
  "SESSION_NOT_FOUND",
  "DEVICE_REVOKED",
  "DEVICE_UNKNOWN",
]);

/** Function failures that say nothing about our arguments: the backend was busy or broke; retry. */
const TRANSIENT_MESSAGE =
  /OptimisticConcurrencyControlFailure|changed while this mutation was being run|Overloaded|ServiceUnavailable|InternalServerError|\bServer Error\b|Too many concurrent|TooManyRequests|temporarily unavailable|Try again later/i;

/** Messages of a function path the deployment does not have. */
const NOT_FOUND_MESSAGE = /Could not find (public )?function|Could not find module|is not a registered function|No function .* exported/i;

/** Response bodies of an auth failure (Convex answers `{"code":"Unauthenticated",...}` and friends). */
const AUTH_MESSAGE = /"code"\s*:\s*"(Unauthenticated|InvalidAuthHeader|AuthError|Unauthorized|Forbidden)"/i;

/**
 * The {@link BridgeError} for a failed call: `TRANSPORT_FAILED` (transient)
 * or a permanent code, per the table in the module comment.
 *
 * @param error - What the Convex client threw.
 * @param http - The HTTP status (and `Retry-After`) seen, if any.
 * @param context - The function and deployment, for the message.
 */
export function classifyConvexFailure(error: unknown, http: HttpOutcome, context: CallContext): BridgeError {
  const where = `Calling ${context.functionName} on ${context.url}`;
  const detail = describe(error);
  if (error instanceof ConvexError) return fromConvexError(error, where, detail);
  const { status } = http;
  if (status === undefined || status === 200) return transient(`${where} failed: ${detail}`, error, http.retryAfterMs);
  if (status === STATUS_FUNCTION_FAILED) {
    if (TRANSIENT_MESSAGE.test(detail)) return transient(`${where} failed on the server: ${detail}`, error, http.retryAfterMs);
    if (NOT_FOUND_MESSAGE.test(detail)) {
      return permanent("FUNCTION_NOT_FOUND", `${where}: the deployment has no such function (${detail}).`, error);
    }
    return permanent("FUNCTION_FAILED", `${where}: the function threw: ${detail}`, error);
  }
  if (status === 401 || status === 403 || AUTH_MESSAGE.test(detail)) {
    return permanent("UNAUTHENTICATED", `${where}: HTTP ${status}, the auth token was refused: ${detail}`, error);
  }
  if (status === 408 || status === 425 || status === 429 || status >= 500) {
    return transient(`${where} failed with HTTP ${status}: ${detail}`, error, http.retryAfterMs);
  }
  if (NOT_FOUND_MESSAGE.test(detail)) return permanent("FUNCTION_NOT_FOUND", `${where}: HTTP ${status}: ${detail}`, error);
  const hint = status === 404 ? " (is the URL a Convex deployment URL, https://<name>.convex.cloud?)" : "";
  return permanent("CONVEX_REJECTED", `${where}: HTTP ${status}${hint}: ${detail}`, error);
}

/**
 * Parses an HTTP `Retry-After` value (seconds, or an HTTP date) into ms from
 * `now`, capped at {@link MAX_RETRY_AFTER_MS}.
 * @returns The delay, or undefined when the value is missing or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(value) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

function fromConvexError(error: ConvexError<Value>, where: string, detail: string): BridgeError {
  const data: unknown = error.data;
  const record = typeof data === "object" && data !== null ? (data as Record<string, unknown>) : null;
  if (record?.kind === "RateLimited") {
    const after = typeof record.retryAfter === "number" ? Math.min(Math.max(0, record.retryAfter), MAX_RETRY_AFTER_MS) : undefined;
    return transient(`${where}: rate limited by the host app${after === undefined ? "" : ` (retry after ${after} ms)`}.`, error, after);
  }
  const code = typeof record?.code === "string" ? record.code : undefined;
  const message = typeof record?.message === "string" ? record.message : detail;
  if (code !== undefined && KEPT_REMOTE_CODES.has(code)) {
    return permanent(code as PermanentPushCode, `${where}: Convex answered ${code}: ${message}`, error);
  }
  return permanent("CONVEX_REJECTED", `${where}: the host app refused it${code ? ` with ${code}` : ""}: ${message}`, error);
}

function transient(message: string, cause: unknown, retryAfterMs: number | undefined): BridgeError {
  return new BridgeError("TRANSPORT_FAILED", `${message}. Retrying with backoff.`, {
    cause,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

function permanent(code: PermanentPushCode, message: string, cause: unknown): BridgeError {
  return new BridgeError(code, message, { cause });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
    return `${error.message}${cause}`;
  }
  return String(error);
}
