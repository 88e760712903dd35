/**
 * Backpressure from the outbox to codex. The outbox refuses appends past its
 * cap (`OUTBOX_FULL`), and a line read from codex must be stored before it is
 * acted on, so the bridge stops READING codex before the cap is reached: once
 * the unacknowledged bytes pass the high-water mark, codex's stdout is paused
 * (codex then blocks on its full pipe: nothing is lost, the turn just waits)
 * and resumed when the pusher has brought them below the low-water mark.
 *
 * The high-water mark leaves {@link BACKPRESSURE_HEADROOM_BYTES} below the cap:
 * more than the longest line one read can complete, so a paused reader never
 * meets `OUTBOX_FULL`. If it does anyway (several processes sharing one file),
 * the append throws, the connection closes with `OUTBOX_FULL` as the cause, and
 * the job stops cleanly with its turn recorded failed (see `jobRunner.ts`).
 */
import type { Readable } from "node:stream";
import { MAX_LINE_BYTES } from "../codex/jsonl.js";
import type { BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";

/** Space kept free below the outbox cap while reading: the longest line plus 1 MiB, in bytes. */
export const BACKPRESSURE_HEADROOM_BYTES = MAX_LINE_BYTES + 1024 * 1024;

/** Reading resumes below this fraction of the high-water mark. */
export const BACKPRESSURE_RESUME_RATIO = 0.75;

/** How often a paused reader checks whether it may resume, in ms. */
export const BACKPRESSURE_POLL_MS = 250;

/** Overrides of the marks, in bytes of unacknowledged lines (all sessions of the outbox). */
export type BackpressureOptions = {
  /** Pause at or above this; default: cap − {@link BACKPRESSURE_HEADROOM_BYTES}, at least half the cap. */
  highWaterBytes?: number;
  /** Resume at or below this; default: high water × {@link BACKPRESSURE_RESUME_RATIO}. */
  lowWaterBytes?: number;
};

const paused = new WeakSet<Readable>();

/** The marks for `outbox`, in bytes. */
export function waterMarks(outbox: Outbox, options: BackpressureOptions = {}): { high: number; low: number } {
  const cap = outbox.maxPendingBytesLimit;
  const high = options.highWaterBytes ?? Math.max(cap / 2, cap - BACKPRESSURE_HEADROOM_BYTES);
  return { high, low: options.lowWaterBytes ?? high * BACKPRESSURE_RESUME_RATIO };
}

/**
 * Call after each store: pauses `readable` when the outbox is past the high
 * mark, and resumes it once the pusher has drained it below the low mark (or
 * the stream ended). Does nothing while already paused.
 */
export function holdWhileFull(readable: Readable, outbox: Outbox, options?: BackpressureOptions, log?: BridgeLog): void {
  if (paused.has(readable)) return;
  const { high, low } = waterMarks(outbox, options);
  const pending = outbox.pendingBytesTotal();
  if (pending < high) return;
  paused.add(readable);
  readable.pause();
  log?.warn(`outbox holds ${pending} unacknowledged bytes (high-water mark ${Math.round(high)}); pausing codex until Convex catches up`);
  const timer = setInterval(() => {
    let level = 0;
    try {
      level = outbox.pendingBytesTotal();
    } catch {
      level = 0; // outbox closed: let the stream finish
    }
    if (level > low && !readable.destroyed && !readable.readableEnded) return;
    clearInterval(timer);
    paused.delete(readable);
    log?.info(`outbox down to ${level} unacknowledged bytes; reading codex again`);
    readable.resume();
  }, BACKPRESSURE_POLL_MS);
  timer.unref();
}
