/**
 * Delta coalescing by stream: adjacent text deltas of one stream (method +
 * thread + turn + item, and the summary/content index of reasoning) merged into
 * one event before a push, covering an exact seq range (`seq`..`seqEnd`), so
 * Convex applies them as one and still counts every seq exactly once.
 *
 * Codex 0.169 stamps every notification with its own top-level `emittedAtMs`,
 * so two deltas of one stream rarely carry equal lines: a model streaming one
 * delta per millisecond or slower differs in that field on every line. The
 * stream key therefore leaves out the per-line metadata in
 * {@link PER_LINE_METADATA_FIELDS}; the merged line keeps it recoverable as
 * bounds: `emittedAtMs` of the first delta and `emittedAtMsEnd` of the last
 * (every merged delta was emitted between them). Per-delta times are not kept:
 * a list would cost several bytes per delta, as much as the 8-byte deltas
 * models stream, for a time nobody reads (the component ignores both fields).
 *
 * Why this is safe to run on every push: only notifications (never server
 * requests or responses) of one stream with contiguous seqs merge, so the
 * merged text is exactly the deltas' text in order and every other event keeps
 * its place; the exact seq range makes a resend of the same lines, coalesced the
 * same way or not, a duplicate; a run straddling what Convex already applied
 * (after a lost answer) is answered with a gap and resent from there.
 */
import { DELTA_METHODS } from "../../shared/streamKinds.js";
import type { CodexEvent } from "../../shared/validators.js";

/**
 * Largest merged delta line {@link coalesceDeltas} builds, in UTF-8 bytes of
 * the line as pushed (256 KiB): far below a Convex document (1 MiB) and a
 * batch (`MAX_BATCH_BYTES`), large enough that a batch of 8-byte deltas of one
 * stream becomes one event.
 */
export const MAX_COALESCED_DELTA_BYTES = 256 * 1024;

/** Notifications whose `params.delta` text {@link coalesceDeltas} may concatenate. */
export const TEXT_DELTA_METHODS: ReadonlySet<string> = new Set(Object.keys(DELTA_METHODS));

/**
 * Top-level members codex adds to each line on its own (when it wrote it, in
 * Unix ms) that do not name a stream: left out of the stream key.
 */
export const PER_LINE_METADATA_FIELDS: ReadonlySet<string> = new Set(["emittedAtMs"]);

/** Top-level member of a merged line: `emittedAtMs` of its last delta (Unix ms). */
export const EMITTED_AT_END_FIELD = "emittedAtMsEnd";

/**
 * Merges runs of adjacent text-delta notifications of the same stream into one
 * event each. Two events merge only when:
 * - their seqs are contiguous and both come from codex without a `seqEnd`;
 * - both are notifications (no `id`) of one method in {@link TEXT_DELTA_METHODS}
 *   with a string `params.delta`;
 * - everything but `params.delta` and the per-line metadata
 *   ({@link PER_LINE_METADATA_FIELDS}) is equal: same thread, turn, item, and
 *   summary/content index for reasoning;
 * - the merged line stays within `maxMergedBytes`.
 *
 * A merged event keeps the first seq, `receivedAt` and origin, gets `seqEnd` =
 * the last seq, and its line is the first notification re-serialised with
 * `delta` = the concatenation and, when the lines carry `emittedAtMs`,
 * `emittedAtMsEnd` = the last line's. Runs of one are returned unchanged
 * (byte-exact).
 *
 * @param events - Events in ascending seq order.
 * @param maxMergedBytes - Cap on the UTF-8 bytes of one merged line.
 * @returns The events, with runs merged; same order.
 */
export function coalesceDeltas(
  events: readonly CodexEvent[],
  maxMergedBytes: number = MAX_COALESCED_DELTA_BYTES,
): CodexEvent[] {
  const out: CodexEvent[] = [];
  let run: DeltaRun | null = null;
  const close = () => {
    if (run) out.push(finishRun(run));
    run = null;
  };
  for (const event of events) {
    const delta = parseDelta(event);
    if (delta === null) {
      close();
      out.push(event);
      continue;
    }
    const current: DeltaRun | null = run;
    if (
      current &&
      current.key === delta.key &&
      current.lastSeq + 1 === event.seq &&
      current.bytes + delta.textBytes + EMITTED_AT_END_ALLOWANCE_BYTES <= maxMergedBytes
    ) {
      current.deltas.push(delta.text);
      current.lastSeq = event.seq;
      current.bytes += delta.textBytes;
      current.lastEmittedAtMs = delta.emittedAtMs;
      continue;
    }
    close();
    run = {
      first: event,
      message: delta.message,
      key: delta.key,
      deltas: [delta.text],
      lastSeq: event.seq,
      bytes: Buffer.byteLength(event.line, "utf8"),
      lastEmittedAtMs: delta.emittedAtMs,
    };
  }
  close();
  return out;
}

/** Bytes `,"emittedAtMsEnd":<ms>` adds to a merged line, at most. */
const EMITTED_AT_END_ALLOWANCE_BYTES = 40;

type DeltaRun = {
  first: CodexEvent;
  message: { params: Record<string, unknown> } & Record<string, unknown>;
  key: string;
  deltas: string[];
  lastSeq: number;
  /** Upper bound of the merged line's UTF-8 bytes, without `emittedAtMsEnd`. */
  bytes: number;
  lastEmittedAtMs: unknown;
};

function finishRun(run: DeltaRun): CodexEvent {
  if (run.lastSeq === run.first.seq) return run.first;
  const merged: Record<string, unknown> = { ...run.message, params: { ...run.message.params, delta: run.deltas.join("") } };
  if (run.lastEmittedAtMs !== undefined) merged[EMITTED_AT_END_FIELD] = run.lastEmittedAtMs;
  return {
    seq: run.first.seq,
    seqEnd: run.lastSeq,
    receivedAt: run.first.receivedAt,
    origin: run.first.origin,
    line: JSON.stringify(merged),
  };
}

type ParsedDelta = {
  message: DeltaRun["message"];
  key: string;
  text: string;
  /** UTF-8 bytes the text adds to a line once JSON-escaped. */
  textBytes: number;
  emittedAtMs: unknown;
};

function parseDelta(event: CodexEvent): ParsedDelta | null {
  if (event.origin !== "codex" || event.seqEnd !== undefined) return null;
  if (!event.line.includes("elta\"")) return null; // cheap pre-check: "delta"/"…Delta" method names
  let message: unknown;
  try {
    message = JSON.parse(event.line);
  } catch {
    return null;
  }
  if (!isRecord(message) || "id" in message || EMITTED_AT_END_FIELD in message) return null;
  const { method, params } = message;
  if (typeof method !== "string" || !TEXT_DELTA_METHODS.has(method) || !isRecord(params)) return null;
  const text = params.delta;
  if (typeof text !== "string") return null;
  const rest = Object.entries(message).filter(([key]) => key !== "params" && !PER_LINE_METADATA_FIELDS.has(key));
  const paramRest = Object.entries(params).filter(([key]) => key !== "delta");
  const sortByKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const key = JSON.stringify([rest.sort(sortByKey), paramRest.sort(sortByKey)]);
  const textBytes = Buffer.byteLength(JSON.stringify(text), "utf8") - 2;
  return { message: { ...message, params }, key, text, textBytes, emittedAtMs: message.emittedAtMs };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
