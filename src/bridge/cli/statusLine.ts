/**
 * A live one-line status on a terminal: redrawn in place every
 * {@link STATUS_INTERVAL_MS}, cleared before any log line is printed and
 * when done. Only for TTYs; scripts get `--json` instead.
 */

/** How often the status line is redrawn, in ms. */
export const STATUS_INTERVAL_MS = 250;

/** Narrowest line drawn, in columns. */
const MIN_COLUMNS = 20;

/** Columns used when the terminal does not say its width. */
const DEFAULT_COLUMNS = 100;

/** The stream a status line draws on (stderr). */
export type StatusStream = Pick<NodeJS.WriteStream, "write" | "isTTY"> & { columns?: number };

/** A redrawing status line; see the module comment. */
export class StatusLine {
  private timer: NodeJS.Timeout | null = null;
  private shown = false;

  /**
   * @param stream - Where to draw (a TTY).
   * @param render - The line's text, called at each redraw; must not throw.
   */
  constructor(
    private readonly stream: StatusStream,
    private readonly render: () => string,
  ) {}

  /** Whether `stream` is a terminal, so a status line makes sense there. */
  static supported(stream: StatusStream): boolean {
    return stream.isTTY === true;
  }

  /** Starts redrawing. */
  start(): void {
    if (this.timer) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), STATUS_INTERVAL_MS);
    this.timer.unref();
  }

  /** Erases the line (before a log line is written); the next redraw brings it back. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write("\r\x1b[2K");
    this.shown = false;
  }

  /** Stops redrawing and erases the line. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
  }

  private draw(): void {
    const width = Math.max(MIN_COLUMNS, (this.stream.columns || DEFAULT_COLUMNS) - 1);
    let text: string;
    try {
      text = this.render();
    } catch (error) {
      text = `status unavailable: ${(error as Error).message}`;
    }
    this.stream.write(`\r\x1b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }
}
