/** The session counts the many-sessions benches measure: `BENCH_SESSIONS=10,50,100`. */

/** Session counts measured when `BENCH_SESSIONS` is not set. */
export const DEFAULT_SESSION_COUNTS = [10, 50, 100];

/**
 * The session counts to measure, from `BENCH_SESSIONS` (comma-separated), else {@link DEFAULT_SESSION_COUNTS}.
 * @throws Error when a count is not a positive integer.
 */
export function sessionCounts(): number[] {
  const raw = process.env.BENCH_SESSIONS;
  if (!raw) return DEFAULT_SESSION_COUNTS;
  const counts = raw.split(",").map((part) => Number(part.trim()));
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`BENCH_SESSIONS must be positive integers separated by commas (e.g. 10,50,100), got "${raw}"`);
  }
  return counts;
}
