/**
 * Delta coalescing: adjacent text deltas of one item merged into one event
 * before a push, covering an exact seq range (`seq`..`seqEnd`), so Convex
 * applies them as one and still counts every seq exactly once.
 */
import { DELTA_METHODS } from "../../shared/streamKinds.js";
import type { CodexEvent } from "../../shared/validators.js";

/** Largest merged delta notification {@link coalesceDeltas} builds, in bytes of the lines merged (256 KiB). */
export const MAX_COALESCED_DELTA_BYTES = 256 * 1024;

/** Notifications whose `params.delta` text {@link coalesceDeltas} may concatenate. */
export const TEXT_DELTA_METHODS: ReadonlySet<string> = new Set(Object.keys(DELTA_METHODS));

/**
 * Merges runs of adjacent text-delta notifications of the same stream into one
 * event each. Two events merge only when:
 * - their seqs are contiguous and both come from codex without a `seqEnd`;
 * - both are notifications (no `id`) of one method in {@link TEXT_DELTA_METHODS}
 *   with a string `params.delta`;
 * - everything but `params.delta` is equal (same thread, turn, item, and
 *   summary/content index for reasoning);
 * - the run's lines total at most `maxMergedBytes`.
 *
 * A merged event keeps the first seq and `receivedAt`, gets `seqEnd` = the last
 * seq, and its line is the first notification re-serialised with `delta` = the
 * concatenation. Runs of one are returned unchanged (byte-exact).
 *
 * @param events - Events in ascending seq order.
 * @param maxMergedBytes - Cap on the UTF-8 bytes of the lines merged into one event.
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
    const bytes = Buffer.byteLength(event.line, "utf8");
    const current: DeltaRun | null = run;
    if (current && current.key === delta.key && current.lastSeq + 1 === event.seq && current.bytes + bytes <= maxMergedBytes) {
      current.deltas.push(delta.text);
      current.lastSeq = event.seq;
      current.bytes += bytes;
      continue;
    }
    close();
    run = { first: event, message: delta.message, key: delta.key, deltas: [delta.text], lastSeq: event.seq, bytes };
  }
  close();
  return out;
}

type DeltaRun = {
  first: CodexEvent;
  message: { params: Record<string, unknown> } & Record<string, unknown>;
  key: string;
  deltas: string[];
  lastSeq: number;
  bytes: number;
};

function finishRun(run: DeltaRun): CodexEvent {
  if (run.lastSeq === run.first.seq) return run.first;
  const merged = { ...run.message, params: { ...run.message.params, delta: run.deltas.join("") } };
  return {
    seq: run.first.seq,
    seqEnd: run.lastSeq,
    receivedAt: run.first.receivedAt,
    origin: run.first.origin,
    line: JSON.stringify(merged),
  };
}

function parseDelta(event: CodexEvent): { message: DeltaRun["message"]; key: string; text: string } | null {
  if (event.origin !== "codex" || event.seqEnd !== undefined) return null;
  if (!event.line.includes("elta\"")) return null; // cheap pre-check: "delta"/"…Delta" method names
  let message: unknown;
  try {
    message = JSON.parse(event.line);
  } catch {
    return null;
  }
  if (!isRecord(message) || "id" in message) return null;
  const { method, params } = message;
  if (typeof method !== "string" || !TEXT_DELTA_METHODS.has(method) || !isRecord(params)) return null;
  const text = params.delta;
  if (typeof text !== "string") return null;
  const rest = Object.entries(message).filter(([key]) => key !== "params");
  const paramRest = Object.entries(params).filter(([key]) => key !== "delta");
  const sortByKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const key = JSON.stringify([rest.sort(sortByKey), paramRest.sort(sortByKey)]);
  return { message: { ...message, params }, key, text };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
