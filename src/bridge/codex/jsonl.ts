/**
 * JSON Lines framing: splitting a byte stream into lines, and writing one
 * JSON value per line. Knows nothing of JSON-RPC.
 */
import type { Writable } from "node:stream";

/**
 * Longest line the splitter buffers, in bytes (excluding the `\n`). A
 * `thread/resume` answer carries a whole thread's history, so this is
 * generous; longer lines are reported through `onOversizeLine`, not kept.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** How many leading bytes of an over-long line are kept for its report, in bytes. */
export const OVERSIZE_PREVIEW_BYTES = 1024;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Report of a line longer than the splitter's limit; its bytes beyond the preview are discarded. */
export type OversizeLine = {
  /** Total length of the line in bytes, excluding the line terminator. */
  byteLength: number;
  /** The first {@link OVERSIZE_PREVIEW_BYTES} bytes decoded as UTF-8 (a split character shows as U+FFFD). */
  preview: string;
  /** The limit that was exceeded, in bytes. */
  maxLineBytes: number;
};

/** Callbacks of a {@link LineSplitter}. */
export type LineSplitterHooks = {
  /**
   * Called once per pushed chunk with every line the chunk completed, in
   * order, decoded as UTF-8, without the `\n` or `\r\n` terminator. Never
   * called with an empty array. Empty lines are skipped. If a chunk also
   * completes an over-long line, the lines before it and after it arrive in
   * two calls, with `onOversizeLine` between them, so stream order is kept.
   */
  onLines: (lines: string[]) => void;
  /** Called when an over-long line ends (at its `\n` or at end of stream). */
  onOversizeLine?: (line: OversizeLine) => void;
};

/** Options of a {@link LineSplitter}. */
export type LineSplitterOptions = {
  /** Longest line to buffer, in bytes. Default {@link MAX_LINE_BYTES}. */
  maxLineBytes?: number;
};

/**
 * Splits a byte stream into lines. Splitting happens on raw bytes (a `\n`
 * byte never occurs inside a multi-byte UTF-8 character), and a line is
 * decoded only once complete, so characters split across chunks survive.
 *
 * ```ts
 * const splitter = new LineSplitter({ onLines: (lines) => outbox.storeAll(lines) });
 * child.stdout.on("data", (chunk) => splitter.push(chunk));
 * child.stdout.on("end", () => splitter.end());
 * ```
 */
export class LineSplitter {
  private readonly maxLineBytes: number;
  /** Pieces of the current unfinished line. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while discarding the rest of an over-long line. */
  private oversize: { preview: Buffer; byteLength: number; lastByte: number | undefined } | undefined;
  private ended = false;

  /**
   * @param hooks - where complete lines and oversize reports go.
   * @param options - see {@link LineSplitterOptions}.
   */
  constructor(
    private readonly hooks: LineSplitterHooks,
    options: LineSplitterOptions = {},
  ) {
    this.maxLineBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  /**
   * Feeds one chunk. Synchronously calls `onLines` (and `onOversizeLine`) for
   * what it completes; exceptions thrown by a hook propagate to the caller,
   * and the rest of the chunk is then lost.
   *
   * @param chunk - bytes, or a string (encoded as UTF-8).
   * @throws Error if called after {@link LineSplitter.end}.
   */
  push(chunk: Uint8Array | string): void {
    if (this.ended) throw new Error("LineSplitter.push called after end()");
    const bytes =
      typeof chunk === "string"
        ? Buffer.from(chunk, "utf8")
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let lines: string[] = [];
    let start = 0;
    for (;;) {
      const newline = bytes.indexOf(NEWLINE, start);
      if (newline === -1) break;
      const finished = this.finishLine(bytes.subarray(start, newline));
      if (typeof finished === "string") {
        lines.push(finished);
      } else if (finished !== undefined) {
        if (lines.length > 0) this.hooks.onLines(lines);
        lines = [];
        this.hooks.onOversizeLine?.(finished);
      }
      start = newline + 1;
    }
    this.append(bytes.subarray(start));
    if (lines.length > 0) this.hooks.onLines(lines);
  }

  /**
   * Signals end of stream: a final line without a terminating newline is
   * delivered (or reported as oversize). Later calls do nothing.
   */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.pendingBytes === 0 && this.oversize === undefined) return;
    const finished = this.finishLine(Buffer.alloc(0));
    if (typeof finished === "string") this.hooks.onLines([finished]);
    else if (finished !== undefined) this.hooks.onOversizeLine?.(finished);
  }

  /** Adds bytes of the unfinished line, switching to discard mode past the limit. */
  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.oversize !== undefined) {
      this.oversize.byteLength += bytes.length;
      this.oversize.lastByte = bytes[bytes.length - 1];
      return;
    }
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    // A trailing `\r` may belong to a `\r\n`, so allow one extra byte before giving up.
    if (this.pendingBytes > this.maxLineBytes + 1) {
      const all = Buffer.concat(this.pending, this.pendingBytes);
      this.oversize = {
        preview: Buffer.from(all.subarray(0, OVERSIZE_PREVIEW_BYTES)),
        byteLength: all.length,
        lastByte: all[all.length - 1],
      };
      this.pending = [];
      this.pendingBytes = 0;
    }
  }

  /**
   * Completes the current line with `tail` (the bytes before its `\n`).
   * Returns the decoded line, an oversize report, or `undefined` for an
   * empty line.
   */
  private finishLine(tail: Buffer): string | OversizeLine | undefined {
    if (this.oversize !== undefined) {
      const { preview, byteLength, lastByte } = this.oversize;
      this.oversize = undefined;
      const total = byteLength + tail.length;
      const endsWithCr = (tail.length > 0 ? tail[tail.length - 1] : lastByte) === CARRIAGE_RETURN;
      return {
        byteLength: endsWithCr ? total - 1 : total,
        preview: preview.toString("utf8"),
        maxLineBytes: this.maxLineBytes,
      };
    }
    let line: Buffer;
    if (this.pendingBytes === 0) {
      line = tail;
    } else {
      this.pending.push(tail);
      line = Buffer.concat(this.pending, this.pendingBytes + tail.length);
      this.pending = [];
      this.pendingBytes = 0;
    }
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, line.length - 1);
    if (line.length === 0) return undefined;
    if (line.length > this.maxLineBytes) {
      return {
        byteLength: line.length,
        preview: line.subarray(0, OVERSIZE_PREVIEW_BYTES).toString("utf8"),
        maxLineBytes: this.maxLineBytes,
      };
    }
    return line.toString("utf8");
  }
}

/**
 * Serialises one value as a JSON line (no trailing newline). `JSON.stringify`
 * escapes newlines inside strings, so the result is always a single line.
 *
 * @param value - a JSON-serialisable value.
 * @returns the JSON text.
 * @throws TypeError when `value` cannot be serialised (cycles, BigInt, or
 *   `undefined`/functions at top level).
 */
export function encodeJsonLine(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError("Cannot encode a JSON line from undefined or a function");
  return text;
}

/**
 * Writes `value` to `writable` as one JSON line (`<json>\n`). Ignores
 * backpressure: meant for small control messages.
 *
 * @param writable - destination stream, e.g. a child's stdin.
 * @param value - a JSON-serialisable value.
 * @returns the line written, without its `\n`.
 * @throws TypeError as {@link encodeJsonLine} does; nothing is written then.
 */
export function writeJsonLine(writable: Writable, value: unknown): string {
  const line = encodeJsonLine(value);
  writable.write(`${line}\n`);
  return line;
}
