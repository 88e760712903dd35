/**
 * The bridge's one error class. `code` is a stable string from the
 * `BridgeErrorCode` namespace, so callers and the CLI can branch on it; the
 * message says what happened and what to do next.
 *
 * Push failures come in two classes (see `push/convexErrors.ts`):
 * - transient (`TRANSPORT_FAILED`: network, timeout, HTTP 5xx, 408/429,
 *   OCC/overloaded): the pusher retries with backoff, for as long as it runs;
 * - permanent ({@link PERMANENT_ERROR_CODES}): retrying the same call cannot
 *   succeed, so that session stops pushing (its outbox rows are kept) until
 *   the cause is fixed and the bridge is started again.
 */
export type BridgeErrorCode =
  | "CODEX_BINARY_NOT_FOUND"
  | "CODEX_BINARY_NOT_EXECUTABLE"
  | "CODEX_SPAWN_FAILED"
  | "CODEX_EXITED"
  | "CODEX_NOT_SIGNED_IN"
  | "CODEX_CONFIG_INVALID"
  | "CODEX_MODEL_UNREACHABLE"
  | "RPC_ERROR"
  | "RPC_TIMEOUT"
  | "RPC_CLOSED"
  | "RPC_MALFORMED"
  | "OUTBOX_FULL"
  | "OUTBOX_CORRUPT"
  | "TRANSPORT_FAILED"
  | "SESSION_MISMATCH"
  | "SESSION_LOCKED"
  | "INVALID_ARGUMENT"
  | "PAIRING_FAILED"
  | PermanentPushCode;

/** Codes of push failures that retrying cannot fix; see {@link PERMANENT_ERROR_CODES}. */
export type PermanentPushCode =
  | "SESSION_MISMATCH"
  | "UNAUTHENTICATED"
  | "INVALID_BATCH"
  | "PAYLOAD_TOO_LARGE"
  | "SESSION_NOT_FOUND"
  | "DEVICE_REVOKED"
  | "DEVICE_UNKNOWN"
  | "FUNCTION_NOT_FOUND"
  | "FUNCTION_FAILED"
  | "CONVEX_REJECTED";

/**
 * What to do about each permanent push failure, in a few words (the status
 * line and `codex-convex status` show it next to the code).
 */
export const PERMANENT_ERROR_ADVICE: Readonly<Record<PermanentPushCode, string>> = {
  SESSION_MISMATCH: "the deployment and the outbox disagree about this session (another user's, or a reset deployment); check --convex-url and the token",
  UNAUTHENTICATED: "the auth token was refused (expired or invalid); pass a fresh --auth-token / CODEX_CONVEX_AUTH_TOKEN and start the bridge again",
  INVALID_BATCH: "Convex refused a batch as malformed; use the same codex-convex version on the bridge and in the app, then start the bridge again",
  PAYLOAD_TOO_LARGE: "Convex refused a batch as too large; use the same codex-convex version on the bridge and in the app, then start the bridge again",
  SESSION_NOT_FOUND: "the deployment does not know this session (was it reset?); check --convex-url",
  DEVICE_REVOKED: "this device was revoked; pair it again, then start the bridge again",
  DEVICE_UNKNOWN: "this device is not paired with the deployment; pair it, then start the bridge again",
  FUNCTION_NOT_FOUND: "the host app does not export the bridge's functions; check --api / CODEX_CONVEX_API and that the wrappers are deployed",
  FUNCTION_FAILED: "a host function threw on this session's events; see the message and the deployment's logs",
  CONVEX_REJECTED: "Convex refused the call; check --convex-url and the message",
};

/** Codes of push failures that retrying cannot fix: the session stops pushing. */
export const PERMANENT_ERROR_CODES: ReadonlySet<BridgeErrorCode> = new Set(Object.keys(PERMANENT_ERROR_ADVICE) as PermanentPushCode[]);

/**
 * Permanent codes that no session of this bridge can get past (the
 * credentials or the host app are wrong), so the whole bridge stops rather
 * than run codex with nowhere to push.
 */
export const BRIDGE_WIDE_ERROR_CODES: ReadonlySet<BridgeErrorCode> = new Set<PermanentPushCode>([
  "UNAUTHENTICATED",
  "DEVICE_REVOKED",
  "DEVICE_UNKNOWN",
  "FUNCTION_NOT_FOUND",
]);

/** An error of the bridge with a stable `code` (`BridgeErrorCode`) and a message that says what to do. */
export class BridgeError extends Error {
  override readonly name = "BridgeError";
  /** For a transient failure: how long the server asked us to wait before retrying (HTTP `Retry-After`), in ms. */
  readonly retryAfterMs: number | undefined;
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
  }
}

/** True when `error` is a {@link BridgeError}, optionally with the given code. */
export function isBridgeError(
  error: unknown,
  code?: BridgeErrorCode,
): error is BridgeError {
  return (
    error instanceof BridgeError && (code === undefined || error.code === code)
  );
}

/** True when `error` is a push failure that retrying cannot fix (see {@link PERMANENT_ERROR_CODES}). */
export function isPermanentError(error: unknown): error is BridgeError & { code: PermanentPushCode } {
  return error instanceof BridgeError && PERMANENT_ERROR_CODES.has(error.code);
}

/** The advice for a permanent code (see {@link PERMANENT_ERROR_ADVICE}), or null for any other code. */
export function adviceFor(code: string): string | null {
  return Object.prototype.hasOwnProperty.call(PERMANENT_ERROR_ADVICE, code) ? PERMANENT_ERROR_ADVICE[code as PermanentPushCode] : null;
}
