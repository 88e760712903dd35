/** How the CLI reports results and errors. */
import { BridgeError } from "../errors.js";

/** Exit code for errors the user can fix: a bad command line (see `usage.ts`), a missing binary, no login, no Convex URL, ... */
export const EXIT_USAGE = 2;
/** Exit code for anything else (a turn that did not complete, events not acknowledged in time). */
export const EXIT_FAILURE = 1;
/**
 * Exit code when pushing stopped on a permanent error (the token was refused,
 * the session belongs to another user, Convex refused a batch, ...): the
 * events stay in the outbox, and retrying without fixing the cause will not help.
 * Takes precedence over {@link EXIT_FAILURE} and the signal codes.
 */
export const EXIT_PUSH_STOPPED = 3;

/**
 * Prints `error` as one line (`codex-convex: [CODE] message`) and exits:
 * {@link EXIT_USAGE} for a `BridgeError`, {@link EXIT_FAILURE} otherwise.
 * Never prints a stack trace for a `BridgeError`.
 */
export function reportAndExit(error: unknown): never {
  if (error instanceof BridgeError) {
    process.stderr.write(`codex-convex: [${error.code}] ${error.message}\n`);
    process.exit(EXIT_USAGE);
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`codex-convex: unexpected error: ${message}\n`);
  process.exit(EXIT_FAILURE);
}
