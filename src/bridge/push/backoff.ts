/**
 * Exponential backoff with full jitter, for retrying pushes to Convex.
 *
 * The delay before retry `attempt` (0-based) is a uniformly random number of
 * milliseconds in `[0, min(maxDelayMs, baseDelayMs * 2^attempt))`. Full jitter
 * spreads the retries of many bridges that lost the network at the same moment,
 * so they do not all come back at once.
 */

/** Ceiling of the first retry's delay, in milliseconds. */
export const BASE_DELAY_MS = 250;

/** Ceiling of any retry's delay, in milliseconds (reached after ~7 failures). */
export const MAX_DELAY_MS = 30_000;

/** Exponents past this add nothing (2^30 × any sane base exceeds any cap). */
const MAX_EXPONENT = 30;

/** Tuning for {@link backoffDelayMs} and {@link Backoff}. */
export type BackoffOptions = {
  /** Ceiling of the first retry's delay, in ms. Default {@link BASE_DELAY_MS}. */
  baseDelayMs?: number;
  /** Ceiling of every retry's delay, in ms. Default {@link MAX_DELAY_MS}. */
  maxDelayMs?: number;
  /** Source of uniform numbers in `[0, 1)`; tests pass a fixed one. Default `Math.random`. */
  random?: () => number;
};

/**
 * The delay before retry number `attempt`.
 *
 * @param attempt - 0 for the first retry, 1 for the second, ...; negative or
 *   fractional values are treated as 0 / rounded down.
 * @param options - Base, cap and random source; see {@link BackoffOptions}.
 * @returns A whole number of milliseconds in `[0, min(maxDelayMs, baseDelayMs * 2^attempt)]`.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseDelayMs ?? BASE_DELAY_MS;
  const cap = options.maxDelayMs ?? MAX_DELAY_MS;
  const random = options.random ?? Math.random;
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  const ceiling = Math.min(cap, base * 2 ** exponent);
  const unit = Math.min(Math.max(random(), 0), 1);
  return Math.floor(unit * ceiling);
}

/**
 * A retry counter: each {@link Backoff.next} returns the next delay and counts
 * the attempt; {@link Backoff.reset} starts over after a success.
 *
 * ```ts
 * const backoff = new Backoff();
 * for (;;) {
 *   try { await push(); backoff.reset(); break; }
 *   catch { await sleep(backoff.next()); }
 * }
 * ```
 */
export class Backoff {
  private attempt = 0;

  /** @param options - Base, cap and random source; see {@link BackoffOptions}. */
  constructor(private readonly options: BackoffOptions = {}) {}

  /** Number of consecutive failures counted since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /**
   * Counts one failure.
   * @returns The delay in ms to wait before the next try.
   */
  next(): number {
    const delay = backoffDelayMs(this.attempt, this.options);
    this.attempt += 1;
    return delay;
  }

  /** Forgets past failures: the next delay is drawn from the base range again. */
  reset(): void {
    this.attempt = 0;
  }
}
