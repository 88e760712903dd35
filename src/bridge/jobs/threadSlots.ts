/**
 * One limit for every thread the bridge runs at once (`--max-threads`): jobs
 * and browser threads (serve mode) count together. A job holds a slot while it
 * runs; a browser thread while its codex is loaded (or loading). When no slot
 * is free, a job asks serve mode to stop an idle browser thread (the same
 * thread serve mode would stop for one of its own) and otherwise waits.
 */

/** How often a waiting job looks again for a free slot without being woken, in ms (a browser thread may end on its own). */
export const SLOT_RECHECK_MS = 1_000;

/** What serve mode tells the slots. */
export type ServeSlotUser = {
  /** Browser threads whose codex is loaded or loading now. */
  inUse(): number;
  /** Stops the idle browser thread used longest ago. @returns whether one was stopped. */
  reclaimIdle(): Promise<boolean>;
};

/** See the module comment. */
export class ThreadSlots {
  private jobs = 0;
  private serve: ServeSlotUser | null = null;
  private readonly waiting = new Set<() => void>();

  /** @param max - Most threads at once, jobs and browser threads together (at least 1). */
  constructor(max: number) {
    this.max = Math.max(1, max);
  }

  /** Most threads at once. */
  readonly max: number;

  /** Jobs running now. */
  get runningJobs(): number {
    return this.jobs;
  }

  /** Threads running now: jobs and browser threads. */
  inUse(): number {
    return this.jobs + (this.serve?.inUse() ?? 0);
  }

  /** Serve mode registers its threads here (one serve loop per bridge). */
  attachServe(serve: ServeSlotUser): void {
    this.serve = serve;
  }

  /**
   * Takes a slot for a job: at once when one is free, else after stopping an
   * idle browser thread, else when one frees (or `stopped()` turns true: then
   * the slot is taken anyway, and the job stops at once).
   */
  async takeForJob(stopped: () => boolean): Promise<void> {
    while (this.inUse() >= this.max && !stopped()) {
      if (await this.serve?.reclaimIdle()) continue;
      if (this.inUse() < this.max || stopped()) break;
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, SLOT_RECHECK_MS);
        this.waiting.add(wake);
      });
    }
    this.jobs += 1;
  }

  /** Gives a job's slot back. */
  releaseJob(): void {
    this.jobs = Math.max(0, this.jobs - 1);
    this.changed();
  }

  /** Wakes every waiting job to look again (a slot may have freed). */
  changed(): void {
    for (const wake of [...this.waiting]) wake();
  }
}
