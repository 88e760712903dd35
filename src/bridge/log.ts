/**
 * The bridge's logging seam: library code reports through a {@link BridgeLog}
 * it is given; the CLI supplies one that filters by level and writes to
 * stderr (see `cli/logger.ts`). Library code never writes to the console.
 */

/** Levels, most severe first; a logger at level L prints L and everything more severe. */
export const LOG_LEVELS = ["error", "warn", "info", "debug"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the bridge reports what it does. Methods must not throw. */
export type BridgeLog = {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
};

/** A log that drops everything (the default of library calls). */
export const SILENT_LOG: BridgeLog = { error() {}, warn() {}, info() {}, debug() {} };
