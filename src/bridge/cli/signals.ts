/** SIGINT/SIGTERM handling of long-running commands. */

/** Exit code after a graceful stop on `signal` (128 + its number, as shells report it). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1;
}

/**
 * On the first SIGINT or SIGTERM calls `stop(signal)` (a graceful stop: stop
 * reading codex, flush the outbox within a bounded time); on a second one,
 * exits at once with {@link signalExitCode}.
 * @returns a function that removes the handlers, and the signal received (if any).
 */
export function onStopSignals(stop: (signal: NodeJS.Signals) => void): { dispose: () => void; received: () => NodeJS.Signals | null } {
  let received: NodeJS.Signals | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (received !== null) {
      process.stderr.write(`\ncodex-convex: ${signal} again; exiting without waiting for Convex\n`);
      process.exit(signalExitCode(signal));
    }
    received = signal;
    stop(signal);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    dispose: () => {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
    received: () => received,
  };
}
