/**
 * The pusher's linger: which stored events may wait a little for company
 * before a push, and for how long by default.
 *
 * Why: Convex writes a fixed ~220 B per `ingestSafe` batch (the stream's chunk
 * ids and cursors, the `sessionAcks` row) whatever its size. A model streams
 * deltas of 4–8 B at 50–200 a second, so a pusher that pushes as soon as a
 * line is stored sends batches of one or two deltas and writes 17–34 bytes per
 * streamed text byte. Waiting up to {@link DEFAULT_PUSH_LINGER_MS} after the
 * first unpushed delta gathers the deltas of that window into one batch (see
 * `bench/linger.bench.ts` for the figures behind the default).
 *
 * Only text deltas wait: every other event (item/started, item/completed,
 * turn/completed, a server request such as an approval, a response, anything
 * the bridge itself stores) is pushed at once together with the deltas before it, so
 * turn ends and approvals are never delayed.
 */
import type { CodexEvent } from "../../shared/validators.js";
import { BridgeError } from "../errors.js";
import { TEXT_DELTA_METHODS } from "./coalesce.js";

/**
 * Default linger of the pusher, in ms (150): how long after the first unpushed
 * text delta was stored it waits for more before pushing.
 *
 * Why 150, from `bench/latency.bench.ts` (a 300-delta agent message, deltas of
 * 7 B, the recorded median): Convex writes ~230 B per batch on top of the
 * text, so bytes written per text byte fall with the deltas per batch, that is
 * with pace × linger, while delta → readable grows by about half the linger.
 * At a fast model's pace (200 deltas/s) 150 ms is the smallest linger that
 * brings the message's rate to ≤ 3× (2.9 bytes written per further text byte,
 * against 24 with no linger; 3.5 for the whole 2 KB message, stream setup
 * included), with delta → readable p50 ≈ 85–90 ms, p99 ≈ 160–180 ms; 100 ms
 * leaves 3.45×, 200 ms puts p50 over 100 ms. At 1,000/s it gives ≈ 2.4–2.5×.
 * A slow model (50 deltas/s) still costs ~6–7× (34× with no linger): ≤ 3×
 * there needs ~20 deltas per batch, a linger of ~400 ms and p50 ≈ 200 ms, more
 * than a live reader should wait by default; pass a larger `lingerMs`
 * (`--push-linger-ms`) to make that trade.
 */
export const DEFAULT_PUSH_LINGER_MS = 150;

/** Largest accepted linger, in ms (10 s): beyond it, live readers would see text far too late. */
export const MAX_PUSH_LINGER_MS = 10_000;

/**
 * Whether `event` may wait in a lingering batch: a notification (no `id`) from
 * codex whose method is a text delta ({@link TEXT_DELTA_METHODS}), not already
 * merged (`seqEnd`). Anything else, including a line that does not parse,
 * makes the pusher push at once.
 */
export function mayLinger(event: CodexEvent): boolean {
  if (event.origin !== "codex" || event.seqEnd !== undefined) return false;
  if (!event.line.includes("elta\"")) return false; // cheap pre-check: "delta"/"…Delta" method names
  let message: unknown;
  try {
    message = JSON.parse(event.line);
  } catch {
    return false;
  }
  if (typeof message !== "object" || message === null || Array.isArray(message) || "id" in message) return false;
  const method = (message as { method?: unknown }).method;
  return typeof method === "string" && TEXT_DELTA_METHODS.has(method);
}

/**
 * Checks a linger option.
 * @param value - ms, or undefined for {@link DEFAULT_PUSH_LINGER_MS}.
 * @returns The linger in ms (0 means push as soon as events are stored).
 * @throws BridgeError `INVALID_ARGUMENT` unless an integer from 0 to {@link MAX_PUSH_LINGER_MS}.
 */
export function checkLinger(value: number | undefined): number {
  if (value === undefined) return DEFAULT_PUSH_LINGER_MS;
  if (!Number.isInteger(value) || value < 0 || value > MAX_PUSH_LINGER_MS) {
    throw new BridgeError("INVALID_ARGUMENT", `lingerMs must be an integer from 0 to ${MAX_PUSH_LINGER_MS} ms, got ${String(value)}.`);
  }
  return value;
}
