/**
 * The bridge's one error class. `code` is a stable string from the
 * `BridgeErrorCode` namespace, so callers and the CLI can branch on it; the
 * message says what happened and what to do next.
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
  | "INVALID_ARGUMENT";

export class BridgeError extends Error {
  override readonly name = "BridgeError";
  constructor(
    readonly code: BridgeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
