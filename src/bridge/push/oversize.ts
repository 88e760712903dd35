/**
 * Shrinking a line too large for one Convex mutation. The outbox keeps every
 * line whole; only the copy pushed to Convex is cut, under the same seq, and
 * marked so readers can tell (see {@link shrinkOversizeLine}).
 */
import { createHash } from "node:crypto";
import type { EventOrigin } from "../../shared/validators.js";
import { MAX_EVENT_BYTES } from "../../shared/limits.js";

/**
 * Hard cap on one event's line as pushed, in UTF-8 bytes: the shared
 * `MAX_EVENT_BYTES` (6 MiB) that `ingestSafe` enforces (it measures UTF-16
 * length, never more than the UTF-8 size). A Convex mutation's arguments must
 * stay under 8 MiB; this leaves 2 MiB for the rest of the call. Lines above it
 * are stored whole but pushed shrunk: see {@link shrinkOversizeLine}.
 */
export const MAX_PUSHED_LINE_BYTES = MAX_EVENT_BYTES;

/** Top-level key added to a shrunk oversize line, describing the original. */
export const TRUNCATION_KEY = "codexConvexTruncated";

/** Strings shorter than this (in UTF-16 units) are never cut by {@link shrinkOversizeLine}. */
const MIN_CUT_STRING_CHARS = 1_024;

/** Rounds of cutting before {@link shrinkOversizeLine} gives up and sends a stand-in. */
const MAX_SHRINK_ROUNDS = 8;

/** Bytes a cut marker (`…[codex-convex: N characters cut]…`) may add to a string, at most. */
const MARKER_ALLOWANCE_BYTES = 64;

/** Characters of the original line kept in a stand-in, when the line could not be shrunk as JSON. */
const STAND_IN_HEAD_CHARS = 64 * 1024;

/**
 * Makes an oversize line fit in `maxBytes` (UTF-8) so it can travel in one
 * mutation. The rule:
 *
 * 1. When the line is a JSON object, its long string values (command output,
 *    file contents, ...) are cut in the middle, the longest ones first and down
 *    to a common length, keeping each one's head and tail around a
 *    `…[codex-convex: N characters cut]…` marker, until the line fits.
 *    The object gains a top-level {@link TRUNCATION_KEY} field
 *    `{ originalBytes, sha256 }` (sha256 of the original line, hex), so the
 *    Convex side and readers can tell; `method`, `id` and the item's ids are
 *    untouched, so an `item/completed` still completes its item. Origin is kept.
 * 2. Otherwise (not JSON, or no string long enough to cut) the event becomes a
 *    bridge stand-in `{"method":"bridge/lineTooLarge","params":{origin,
 *    originalBytes, sha256, head}}` with origin `"bridge"`.
 *
 * Either way the seq is kept, so Convex sees no gap, and the full original stays
 * in the outbox.
 *
 * @param line - The stored line.
 * @param origin - The stored origin.
 * @param maxBytes - Largest allowed UTF-8 size of the result, in bytes.
 * @returns The line and origin to push; the line is at most `maxBytes` bytes.
 */
export function shrinkOversizeLine(
  line: string,
  origin: EventOrigin,
  maxBytes: number,
): { line: string; origin: EventOrigin } {
  const originalBytes = Buffer.byteLength(line, "utf8");
  if (originalBytes <= maxBytes) return { line, origin };
  const sha256 = createHash("sha256").update(line, "utf8").digest("hex");
  const parsed = tryParse(line);
  if (isObject(parsed)) {
    parsed[TRUNCATION_KEY] = { originalBytes, sha256 };
    const text = shrinkJson(parsed, maxBytes);
    if (text !== null) return { line: text, origin };
  }
  const standIn = (head: string) =>
    JSON.stringify({ method: "bridge/lineTooLarge", params: { origin, originalBytes, sha256, head } });
  let headChars = Math.min(STAND_IN_HEAD_CHARS, Math.floor(maxBytes / 8));
  let text = standIn(safeSlice(line, headChars));
  while (Buffer.byteLength(text, "utf8") > maxBytes && headChars > 0) {
    headChars = Math.floor(headChars / 2);
    text = standIn(safeSlice(line, headChars));
  }
  return { line: text, origin: "bridge" };
}

/**
 * Cuts the long strings of `root` (in place) until its JSON fits in `maxBytes`.
 * Each round "water-fills": it finds the encoded size `level` such that cutting
 * every longer string down to `level` frees the excess, so big strings share
 * the cut rather than the longest one vanishing. A round frees at least the
 * excess when the text is uniform; uneven text may need another round.
 * @returns The JSON text, or null when no string long enough is left to cut.
 */
function shrinkJson(root: Record<string, unknown>, maxBytes: number): string | null {
  for (let round = 0; round < MAX_SHRINK_ROUNDS; round++) {
    const text = JSON.stringify(root);
    const excess = Buffer.byteLength(text, "utf8") - maxBytes;
    if (excess <= 0) return text;
    const slots = collectStrings(root)
      .filter((slot) => slot.value.length >= MIN_CUT_STRING_CHARS)
      .map((slot) => ({ ...slot, encoded: Buffer.byteLength(JSON.stringify(slot.value), "utf8") }))
      .sort((a, b) => b.encoded - a.encoded);
    if (slots.length === 0) return null;
    const level = waterLevel(slots.map((slot) => slot.encoded), excess);
    for (const slot of slots) {
      if (slot.encoded <= level) break;
      const keep = Math.floor((slot.value.length * level) / slot.encoded);
      slot.set(cutMiddle(slot.value, keep));
    }
  }
  return null;
}

/**
 * The largest level such that cutting every size above it down to it frees
 * `need` bytes plus {@link MARKER_ALLOWANCE_BYTES} per cut string.
 * @param sizes - Encoded sizes in bytes, largest first.
 */
function waterLevel(sizes: readonly number[], need: number): number {
  let sum = 0;
  for (let k = 1; k <= sizes.length; k++) {
    sum += sizes[k - 1] ?? 0;
    const level = (sum - k * MARKER_ALLOWANCE_BYTES - need) / k;
    if (level >= (sizes[k] ?? 0)) return Math.max(0, Math.floor(level));
  }
  return 0;
}

/** Keeps `keep` UTF-16 units of `value`, half from its head and half from its tail, marking the cut. */
function cutMiddle(value: string, keep: number): string {
  const headLength = Math.ceil(keep / 2);
  const head = safeSlice(value, headLength);
  const tail = safeTail(value, keep - headLength);
  const removed = value.length - head.length - tail.length;
  return `${head}…[codex-convex: ${removed} characters cut]…${tail}`;
}

/** The first `length` UTF-16 units of `value`, one fewer if that would split a surrogate pair. */
function safeSlice(value: string, length: number): string {
  if (length <= 0) return "";
  const end = isHighSurrogate(value.charCodeAt(length - 1)) ? length - 1 : length;
  return value.slice(0, end);
}

/** The last `length` UTF-16 units of `value`, one fewer if that would split a surrogate pair. */
function safeTail(value: string, length: number): string {
  if (length <= 0) return "";
  let start = value.length - length;
  if (isLowSurrogate(value.charCodeAt(start))) start += 1;
  return value.slice(start);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

type StringSlot = { value: string; set: (value: string) => void };

/** Every string value (not key) inside `root`, with a setter to replace it. */
function collectStrings(root: Record<string, unknown> | unknown[]): StringSlot[] {
  const slots: StringSlot[] = [];
  const stack: Array<Record<string, unknown> | unknown[]> = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const container = node as Record<string | number, unknown>;
    const keys: Array<string | number> = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const key of keys) {
      const value = container[key];
      if (typeof value === "string") {
        slots.push({ value, set: (next) => (container[key] = next) });
      } else if (isObject(value) || Array.isArray(value)) {
        stack.push(value);
      }
    }
  }
  return slots;
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
