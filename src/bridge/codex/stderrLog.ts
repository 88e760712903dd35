/**
 * A size-rotated log file for codex's stderr. codex's stderr is always read
 * (so a chatty child never blocks on a full pipe); this keeps it on disk
 * without letting it grow without bound: past {@link MAX_STDERR_LOG_BYTES}
 * the file is renamed to `<file>.1` (`.1` to `.2`, ...) and a new one started,
 * keeping at most {@link STDERR_LOG_FILES} files.
 */
import { closeSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** Size at which the log file is rotated, in bytes (8 MiB). */
export const MAX_STDERR_LOG_BYTES = 8 * 1024 * 1024;

/** Files kept: the current one plus `STDERR_LOG_FILES - 1` rotated ones. */
export const STDERR_LOG_FILES = 3;

/** Options of {@link RotatingLog}. */
export type RotatingLogOptions = {
  /** Rotation size in bytes; default {@link MAX_STDERR_LOG_BYTES}. */
  maxBytes?: number;
  /** Files kept, at least 1; default {@link STDERR_LOG_FILES}. */
  files?: number;
};

/**
 * Appends chunks to a file, rotating by size. Writes are synchronous and
 * never throw: when the disk refuses a write, the log turns itself off (see
 * {@link RotatingLog.failed}) and later chunks are counted as dropped, so the
 * caller keeps draining the child either way.
 *
 * ```ts
 * const log = new RotatingLog(".codex-convex/logs/codex-<session>.log");
 * child.stderr.on("data", (chunk: Buffer) => log.write(chunk));
 * ```
 */
export class RotatingLog {
  private fd: number | null = null;
  private size = 0;
  private readonly maxBytes: number;
  private readonly files: number;
  /** Bytes written to disk since construction. */
  written = 0;
  /** Bytes not written because the log failed. */
  dropped = 0;
  /** The write or rotation error that turned the log off, or null. */
  failed: Error | null = null;

  /**
   * @param path - The current log file; rotated ones are `<path>.1`, `<path>.2`, ...
   * @param options - See {@link RotatingLogOptions}.
   */
  constructor(
    readonly path: string,
    options: RotatingLogOptions = {},
  ) {
    this.maxBytes = Math.max(1, options.maxBytes ?? MAX_STDERR_LOG_BYTES);
    this.files = Math.max(1, Math.floor(options.files ?? STDERR_LOG_FILES));
  }

  /** Appends `chunk`, rotating first when it would pass the size limit. */
  write(chunk: Buffer | string): void {
    const data = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    if (this.failed) {
      this.dropped += data.length;
      return;
    }
    try {
      if (this.fd === null) this.openCurrent();
      if (this.size > 0 && this.size + data.length > this.maxBytes) this.rotate();
      writeSync(this.fd as number, data);
      this.size += data.length;
      this.written += data.length;
    } catch (error) {
      this.failed = error as Error;
      this.dropped += data.length;
      this.closeFd();
    }
  }

  /** Closes the file; a later write reopens it. */
  close(): void {
    this.closeFd();
  }

  private openCurrent(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    this.fd = openSync(this.path, "a");
    this.size = statSync(this.path).size;
  }

  private rotate(): void {
    this.closeFd();
    if (this.files === 1) rmSync(this.path, { force: true });
    else {
      rmSync(`${this.path}.${this.files - 1}`, { force: true });
      for (let n = this.files - 2; n >= 1; n--) renameIfExists(`${this.path}.${n}`, `${this.path}.${n + 1}`);
      renameIfExists(this.path, `${this.path}.1`);
    }
    this.openCurrent();
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed or the disk is gone; nothing to save.
    }
    this.fd = null;
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
