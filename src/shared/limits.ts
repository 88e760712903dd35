/**
 * Limits shared by the bridge and the component. Each is a named constant with
 * its unit, chosen to stay well inside Convex's documented limits (8 MiB of
 * mutation arguments, 1 MiB per document, 16 MiB read / 8 MiB written and
 * 4,096 documents read per transaction).
 */

/** Most events one `ingestSafe` call takes. */
export const MAX_EVENTS_PER_BATCH = 512;

/**
 * Most codex lines one coalesced event may stand for (`seqEnd - seq + 1`).
 * The bridge merges at most `MAX_COALESCED_DELTA_BYTES` (256 KiB) of delta
 * lines into one event, each line at least ~50 bytes, so its runs stay under
 * ~5,300 seqs; this bound leaves room for coarser coalescing while refusing a
 * `seqEnd` no bridge could have sent (e.g. 2^53 - 1, which would mark every
 * later seq a duplicate): such a batch is INVALID_BATCH.
 */
export const MAX_COALESCED_SEQS = 65_536;

/**
 * Deepest JSON nesting (arrays and objects) of a line ingest applies. Codex
 * lines nest a dozen levels; a deeper line is logged as malformed, whole,
 * instead of being walked (deep recursion would overflow the stack and block
 * every later event of the session).
 */
export const MAX_LINE_JSON_DEPTH = 256;

/** Most bytes of event `line` text one `ingestSafe` call takes (UTF-16 length, a safe proxy). */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Most messages one page of `messages.list` returns. */
export const MAX_PAGE_SIZE = 200;

/** Most stored delta chunks one stream query returns per stream; the client asks again from the new cursor. */
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

/**
 * Longest text (UTF-16 code units) a stream chunk (`deltas` row) keeps inline;
 * a longer batch's text goes to `parts`. Readers learn where a stream ends by
 * reading its newest chunk (convex/lib/streamHead.ts), so a chunk document
 * stays small (≤ ~24 KB): 64 cursors then read at most ~1.5 MB for it, inside
 * any query's read budget, however large the streams' batches.
 */
export const MAX_CHUNK_INLINE_CHARS = 8 * 1024;

/**
 * Longest text (UTF-16 code units) a message, logged event or server request
 * keeps inline (`text`, `item`, `line`, `params`): a page of `MAX_PAGE_SIZE`
 * messages then reads at most a few MiB. Longer texts keep this much as a head
 * and live whole in `parts`.
 */
export const MAX_MESSAGE_INLINE_CHARS = 8 * 1024;

/** Most text (UTF-16 code units) folded into an unfinished item's message when its turn ends: the tail. */
export const MAX_FOLDED_TEXT_CHARS = 4 * 1024 * 1024;

/** Longest inline copy of a short display field (a command line, an error), in UTF-16 code units; the raw item keeps it whole. */
export const MAX_SUMMARY_FIELD_CHARS = 2 * 1024;

/** Most file paths a message lists in `paths`; `pathCount` tells how many the item had. */
export const MAX_MESSAGE_PATHS = 100;

/** Longest turn diff kept inline on the turn, in UTF-16 code units; longer diffs live in `parts`. */
export const MAX_TURN_DIFF_INLINE_CHARS = 8 * 1024;

/** Most plan steps a turn keeps (`turn/plan/updated`); later steps are counted, not kept. */
export const MAX_PLAN_STEPS = 100;

/** Most text (UTF-16 code units) of a compacted stream one `rebased` answer returns: the tail. */
export const MAX_REBASE_CHARS = 1024 * 1024;

/** Text budget (UTF-16 code units) of one deltas answer, whatever the number of cursors: what does not fit is sent on the next call (lib/streams.ts). */
export const MAX_DELTAS_ANSWER_CHARS = 4 * 1024 * 1024;

/** Most events kept in the log per thread; the oldest are trimmed. */
export const MAX_LOGGED_EVENTS_PER_THREAD = 1000;

/** Most events without a thread (responses, account notices) kept in the log per bridge session. */
export const MAX_LOGGED_EVENTS_PER_SESSION = 1000;

/** Most old log events one insert trims (more than one, so the log converges to its cap). */
export const EVENT_TRIM_BATCH = 16;

/** Most live streams `streamArgs: {kind: "list"}` returns. */
export const MAX_LIVE_STREAMS_LISTED = 64;

/** Longest device id a client may save checkpoints under, in characters. */
export const MAX_DEVICE_ID_CHARS = 128;

/** Most checkpoints `checkpoints.list` returns for one device and thread. */
export const MAX_CHECKPOINTS_LISTED = 256;

/** Most server requests `serverRequests.list` returns. */
export const MAX_SERVER_REQUESTS_LISTED = 100;

/** Most documents one cleanup run deletes or rewrites before it reschedules itself. */
export const CLEANUP_BATCH_DOCS = 128;

/** Most deltas one compaction run folds into a stream's durable text. */
export const COMPACT_BATCH_DELTAS = 256;

/** Most delta text (UTF-16 code units) one compaction run folds. */
export const COMPACT_BATCH_CHARS = 1024 * 1024;

/**
 * Delta events not compacted yet past which a stream still streaming is
 * compacted (so late readers are rebased, not replayed). Counted in cursor
 * units (`nextCursor - compactedCursor`, no counter to keep): a stored chunk
 * covers at least one event, so a live stream never holds more chunks than this.
 */
export const LIVE_COMPACT_THRESHOLD_DELTAS = 4096;

/**
 * Most a session's `lastSeenAt` may lag its last call (ms; a tenth of its
 * `sessionStaleMs` when shorter, see convex/lib/sessionWatch.ts): ingest
 * restamps the session document only when its stamp is older, so a stream of
 * batches, however paced, writes only its chunks and the session's small
 * acknowledgement (`sessionAcks`) per batch, and the session document about
 * once a minute. The session watchdog allows for the lag: a session is marked
 * stale after between `sessionStaleMs` and `sessionStaleMs` + this much
 * without a call, never sooner.
 */
export const LAST_SEEN_STAMP_MAX_MS = 60 * 1000;

/** The session stamp's granularity is at most `sessionStaleMs` divided by this (a tenth). */
export const LAST_SEEN_STAMP_TIMEOUT_FRACTION = 10;

/** Most deltas ingest folds inline into an unfinished item's text when its turn ends; longer streams are folded by compaction. */
export const FOLD_INLINE_MAX_DELTAS = 256;

/**
 * Longest agent message or plan text (UTF-16 code units) also kept inside the
 * message's raw item; a longer one is stored once, as the message text, with
 * the item's `text` null and `itemOmitsText` set (messages.getText puts it back).
 */
export const MAX_ITEM_TEXT_COPY_CHARS = 1024;

/**
 * Most a turn's `lastEventAt` may lag its last event (ms; a tenth of its
 * `turnIdleMs` when shorter, see convex/lib/turnWatch.ts): ingest restamps the
 * turn document only when its stamp is older, so a stream of batches rewrites
 * its turn about once a minute, not once per batch or second. The turn
 * watchdog allows for the lag: it closes a turn after between `turnIdleMs`
 * and `turnIdleMs` + this much without an event, never before.
 */
export const LAST_EVENT_STAMP_MAX_MS = 60 * 1000;

/** The turn stamp's granularity is at most `turnIdleMs` divided by this (a tenth). */
export const LAST_EVENT_STAMP_TIMEOUT_FRACTION = 10;

/** How long the deltas of a finished stream stay readable before they are folded into its durable text. */
export const DELTA_GRACE_MS = 60 * 1000;

/** How long a finished stream answers `rebased` before it and its checkpoints are deleted (then `stale`). */
export const STREAM_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Default time without any event of a turn before it is closed as interrupted. */
export const DEFAULT_TURN_IDLE_TIMEOUT_MS = 30 * 60 * 1000;

/** Default time without a delta before a stream still streaming is closed. */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 10 * 60 * 1000;

/** Default time without `ensureSession` or `ingestSafe` before a bridge session is marked stale. */
export const DEFAULT_SESSION_STALE_MS = 10 * 60 * 1000;

/** Shortest idle timeout a host may configure (so a watchdog cannot spin). */
export const MIN_IDLE_TIMEOUT_MS = 1000;

/** How long a pairing code can be redeemed after `createPairingCode`. */
export const PAIRING_CODE_TTL_MS = 10 * 60 * 1000;

/** Characters of a pairing code (Crockford base32: 5 bits each, so 40 bits of entropy). */
export const PAIRING_CODE_CHARS = 8;

/** Most redeem attempts of one code value per {@link PAIRING_RATE_PERIOD_MS}. */
export const PAIRING_ATTEMPTS_PER_CODE = 5;

/**
 * Most redeem attempts of the whole deployment per {@link PAIRING_RATE_PERIOD_MS}
 * (a token bucket). At this rate a guesser tries about 4.3 million codes a day
 * out of 2^40 ≈ 1.1 × 10^12; with one live code that is a chance of about 1 in 250,000
 * per day, and each code lives 10 minutes.
 */
export const PAIRING_ATTEMPTS_PER_DEPLOYMENT = 30;

/** Refill period of the pairing rate limits. */
export const PAIRING_RATE_PERIOD_MS = 10 * 1000;

/** Random bytes of a device secret (256 bits). */
export const DEVICE_SECRET_BYTES = 32;

/** Longest device name, hostname, workspace label, in characters. */
export const MAX_DEVICE_NAME_CHARS = 128;

/** Longest workspace path a device declares, in characters. */
export const MAX_WORKSPACE_PATH_CHARS = 4096;

/** Most workspaces one device declares. */
export const MAX_DEVICE_WORKSPACES = 64;

/** Most running thread ids one heartbeat reports. */
export const MAX_RUNNING_THREADS_REPORTED = 256;

/** Longest codex version string a heartbeat reports. */
export const MAX_CODEX_VERSION_CHARS = 64;

/** Most devices `listDevices` returns. */
export const MAX_DEVICES_LISTED = 100;

/** How often the bridge sends `deviceHeartbeat`. */
export const DEVICE_HEARTBEAT_MS = 15 * 1000;

/** A device whose last heartbeat is older than this is shown offline (three heartbeats missed). */
export const DEVICE_ONLINE_WINDOW_MS = 45 * 1000;

/** How long a queued command waits for its device before it expires. */
export const COMMAND_TTL_MS = 10 * 60 * 1000;

/** Default lease of a claimed command: completed within it, or failed BRIDGE_LOST. */
export const COMMAND_LEASE_MS = 60 * 1000;

/** Longest lease a device may ask for when claiming. */
export const MAX_COMMAND_LEASE_MS = 10 * 60 * 1000;

/** Shortest lease a device may ask for when claiming. */
export const MIN_COMMAND_LEASE_MS = 1000;

/** Longest idempotency key, in characters. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 128;

/** Most queued commands `listDeviceCommands` returns (oldest first). */
export const MAX_DEVICE_COMMANDS_LISTED = 50;

/** Longest prompt or message text a command carries, in UTF-16 code units. */
export const MAX_COMMAND_TEXT_CHARS = 256 * 1024;

/** Longest JSON of a server request answer, in UTF-16 code units. */
export const MAX_ANSWER_JSON_CHARS = 256 * 1024;

/** Longest thread name a `renameThread` command carries, in characters. */
export const MAX_THREAD_NAME_CHARS = 200;

/** Most turns one `rollbackThread` command removes. */
export const MAX_ROLLBACK_TURNS = 1000;

/** Longest model name a `startThread` command carries, in characters. */
export const MAX_MODEL_NAME_CHARS = 128;

/** Most unused, unexpired pairing codes one user may hold (each live code is one more target for a guesser). */
export const MAX_LIVE_PAIRING_CODES_PER_USER = 5;

/** How long a finished command (and so its idempotency key) is kept before it is deleted. */
export const COMMAND_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Longest Codex thread or turn id a device reports (heartbeat, command result), in characters. */
export const MAX_CODEX_ID_CHARS = 128;
