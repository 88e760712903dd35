/**
 * Scheduled functions on demand, for measuring under convex-test: convex-test
 * runs `ctx.scheduler.runAfter(ms, …)` on the global `setTimeout`. While
 * {@link DeferredTimers} is installed, timers of 0 ms run as usual and longer
 * ones are held; {@link DeferredTimers.drain} then runs, in due order, every
 * held timer due within a horizon (compaction a minute after a stream ends,
 * say), as if that much time had passed, and drops the later ones (idle
 * watchdogs, expiry a day later), so a bench neither waits for real time nor
 * leaves timers that keep the process alive.
 *
 * For a paced feed, {@link DeferredTimers.freezeClock} also puts `Date.now` on
 * the same virtual clock (the component and convex-test's scheduler read
 * `Date.now`), and {@link DeferredTimers.advance} moves it forward between
 * batches, running every held timer that falls due on the way (idle watchdogs
 * included) at its due time: the component sees a model's pace, not the speed
 * of the bench.
 */

type Held = { due: number; callback: () => void };

export class DeferredTimers {
  private readonly realSetTimeout = globalThis.setTimeout;
  private readonly realDateNow = Date.now;
  private held: Held[] = [];
  private virtualMs = 0;
  /** Timers dropped by {@link drain} because they were due after its horizon. */
  dropped = 0;

  /** Starts holding timers longer than 0 ms. */
  install(): void {
    const real = this.realSetTimeout;
    const shim = ((callback: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      if (!ms || ms <= 0) return real(callback, 0, ...args);
      this.held.push({ due: this.virtualMs + ms, callback: () => callback(...args) });
      return { ref() {}, unref() {}, hasRef: () => false, refresh() {}, [Symbol.toPrimitive]: () => 0 } as unknown as NodeJS.Timeout;
    }) as unknown as typeof setTimeout;
    globalThis.setTimeout = shim;
  }

  /** Restores the real `setTimeout` and `Date.now` and forgets held timers. */
  uninstall(): void {
    globalThis.setTimeout = this.realSetTimeout;
    this.unfreezeClock();
    this.held = [];
  }

  /** Puts `Date.now` on the virtual clock: it moves only by {@link advance} (and {@link drain}). */
  freezeClock(): void {
    const base = this.realDateNow.call(Date) - this.virtualMs;
    Date.now = () => base + this.virtualMs;
  }

  /** Gives `Date.now` back to the real clock. */
  unfreezeClock(): void {
    Date.now = this.realDateNow;
  }

  /**
   * Moves the virtual clock `ms` forward, running every held timer due on the
   * way at its due time (earliest first, with `settle` after each).
   * @returns how many timers ran.
   */
  async advance(ms: number, settle: () => Promise<void>): Promise<number> {
    const target = this.virtualMs + ms;
    let ran = 0;
    for (;;) {
      this.held.sort((a, b) => a.due - b.due);
      const next = this.held[0];
      if (next === undefined || next.due > target) break;
      this.held.shift();
      this.virtualMs = next.due;
      next.callback();
      ran += 1;
      await this.yieldAndSettle(settle);
    }
    this.virtualMs = target;
    return ran;
  }

  /**
   * Runs every held timer due within `horizonMs` of the virtual clock's now,
   * earliest first, waiting after each with `settle` (convex-test's
   * `finishAllScheduledFunctions` with no clock to advance: it runs the 0 ms
   * chains a timer starts) so the work it schedules is held or run in turn;
   * drops the rest.
   * @returns how many timers ran.
   */
  async drain(horizonMs: number, settle: () => Promise<void>): Promise<number> {
    let ran = 0;
    const horizon = this.virtualMs + horizonMs;
    await this.yieldAndSettle(settle);
    for (;;) {
      this.held.sort((a, b) => a.due - b.due);
      const next = this.held[0];
      if (next === undefined || next.due > horizon) break;
      this.held.shift();
      this.virtualMs = next.due;
      next.callback();
      ran += 1;
      await this.yieldAndSettle(settle);
    }
    this.dropped += this.held.length;
    this.held = [];
    this.virtualMs = horizon;
    return ran;
  }

  private async yieldAndSettle(settle: () => Promise<void>): Promise<void> {
    // 0 ms timers run on the real clock: let them fire, then wait for what they started.
    await new Promise((resolve) => this.realSetTimeout(resolve, 0));
    await settle();
  }
}
