/**
 * How exact a turn's `lastEventAt` is, shared by ingest (which stamps it) and
 * the turn watchdog (which reads it). Ingest restamps the turn document only
 * when its stamp is older than {@link lastEventStampMs} (a tenth of the turn's
 * `turnIdleMs`, at most `LAST_EVENT_STAMP_MAX_MS`: 1 min by default), so a
 * paced stream of batches rewrites its turn about once a minute instead of
 * once a second. The stamp may then lag the turn's last event by that much,
 * and the watchdog waits that much longer: a turn is closed after between
 * `turnIdleMs` and `turnIdleMs + lastEventStampMs(turnIdleMs)` without an
 * event, never sooner. (Streams are unaffected: their idleness is read from
 * their newest chunk, written with every batch.)
 */
import { LAST_EVENT_STAMP_MAX_MS, LAST_EVENT_STAMP_TIMEOUT_FRACTION } from "../../src/shared/limits.js";

/**
 * Most a turn's `lastEventAt` may lag its last event, in ms, for a turn idle timeout of `turnIdleMs`.
 * @param turnIdleMs - The turn's idle timeout in ms (the one its watchdog was scheduled with).
 */
export function lastEventStampMs(turnIdleMs: number): number {
  return Math.min(LAST_EVENT_STAMP_MAX_MS, Math.floor(turnIdleMs / LAST_EVENT_STAMP_TIMEOUT_FRACTION));
}
