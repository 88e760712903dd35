/**
 * Limits shared by the bridge and the component. Each is a named constant with
 * its unit, chosen to stay well inside Convex's documented limits (8 MiB of
 * mutation arguments, 1 MiB per document, 16 MiB read / 8 MiB written and
 * 4,096 documents read per transaction).
 */

/** Most events one `ingestSafe` call takes. */
export const MAX_EVENTS_PER_BATCH = 512;

/** Most bytes of event `line` text one `ingestSafe` call takes (UTF-16 length, a safe proxy). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Most messages one page of `messages.list` returns. */
export const MAX_PAGE_SIZE = 200;

/** Most deltas one stream query returns per stream; the client asks again from the new cursor. */
export const MAX_DELTAS_PER_STREAM = 256;

/** Most streams one `messages.list` call may ask deltas for. */
export const MAX_STREAM_CURSORS = 64;

/**
 * Most bytes one event's `line` may have. A batch may exceed
 * {@link MAX_BATCH_BYTES} only when it holds a single event up to this size.
 * The bridge pushes a longer line shrunk (long strings cut in the middle, with
 * a `codexConvexTruncated: {originalBytes, sha256}` marker) under the same seq,
 * and keeps the whole line in its outbox: the disagreement is marked, not hidden.
 */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;

/**
 * Longest text (UTF-16 code units) kept inline in a document field. Longer
 * texts go to the `parts` table in parts of this size: at most 3 bytes of UTF-8
 * per code unit, so a part stays under 400 KiB, far from the 1 MiB limit.
 */
export const MAX_INLINE_CHARS = 128 * 1024;
