/** The CLI's {@link BridgeLog}: level-filtered lines on stderr, cooperating with the status line. */
import { LOG_LEVELS, type BridgeLog, type LogLevel } from "../log.js";
import type { StatusLine, StatusStream } from "./statusLine.js";

/** Level used when `--log-level` is not given. */
export const DEFAULT_LOG_LEVEL: LogLevel = "warn";

/**
 * A logger printing `codex-convex <level>: message` for `level` and more
 * severe levels.
 * @param level - One of `LOG_LEVELS`.
 * @param stream - Where to write; default `process.stderr`.
 * @param status - A status line to clear before each log line.
 */
export function createLogger(level: LogLevel, stream: StatusStream = process.stderr, status?: () => StatusLine | undefined): BridgeLog {
  const limit = LOG_LEVELS.indexOf(level);
  const at = (lineLevel: LogLevel) => (message: string) => {
    if (LOG_LEVELS.indexOf(lineLevel) > limit) return;
    status?.()?.clear();
    stream.write(`codex-convex ${lineLevel}: ${message}\n`);
  };
  return { error: at("error"), warn: at("warn"), info: at("info"), debug: at("debug") };
}
