/** Options shared by several commands, their parsing, and the defaults derived from them. */
import { statSync } from "node:fs";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { BridgeError } from "../errors.js";
import { LOG_LEVELS, type LogLevel } from "../log.js";
import type { OutboxSynchronous } from "../outbox/outbox.js";
import { DEFAULT_API_MODULE } from "../push/convexHttpTransport.js";
import { DEFAULT_PUSH_LINGER_MS, MAX_PUSH_LINGER_MS } from "../push/linger.js";
import { CODEX_RETRY_TIMEOUT_MS } from "../codex/turnWatch.js";
import { DEFAULT_LOG_LEVEL } from "./logger.js";

/** Outbox file under the working directory when `--outbox` is not given. */
export const DEFAULT_OUTBOX_RELATIVE_PATH = path.join(".codex-convex", "outbox.sqlite");

/** Directory name of codex's stderr logs, beside the outbox, when `--log-dir` is not given. */
export const DEFAULT_LOG_DIR_NAME = "logs";

/** Options every command has. */
export type GlobalOptions = { logLevel: LogLevel };

/** Options of the commands that reach Convex and run codex (`run`, `bridge`). */
export type WorkOptions = GlobalOptions & {
  cwd: string;
  convexUrl?: string;
  authToken?: string;
  /** The host's API module (see `apiOption`). */
  api: string;
  outbox?: string;
  codexBin?: string;
  synchronous: OutboxSynchronous;
  maxPendingBytes?: number;
  logDir?: string;
  flushTimeout?: number;
  retryTimeout?: number;
  coalesceDeltas: boolean;
  /** `--push-linger-ms` (see `pushLingerOption`). */
  pushLingerMs: number;
  keepAcked: boolean;
  status: boolean;
  json: boolean;
};

/** Adds `--log-level` to the program. */
export function addGlobalOptions(program: Command): Command {
  return program.addOption(
    new Option("--log-level <level>", "how much to log on stderr").choices([...LOG_LEVELS]).default(DEFAULT_LOG_LEVEL),
  );
}

/** Parses a positive integer flag value. @throws InvalidArgumentError (commander prints it). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/**
 * Parses `--push-linger-ms`: an integer number of ms from 0 to `MAX_PUSH_LINGER_MS`.
 * @throws InvalidArgumentError (commander prints it, exit 2).
 */
export function lingerMs(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isSafeInteger(n) || n < 0 || n > MAX_PUSH_LINGER_MS) {
    throw new InvalidArgumentError(`expected an integer number of ms from 0 to ${MAX_PUSH_LINGER_MS}`);
  }
  return n;
}

/**
 * `--push-linger-ms <ms>` (env `CODEX_CONVEX_PUSH_LINGER_MS`, default
 * `DEFAULT_PUSH_LINGER_MS`): how long the pusher waits after the first
 * unpushed text delta was stored for more before pushing (the Pusher's
 * `lingerMs`). Larger: fewer, fuller batches and fewer bytes written in Convex
 * per streamed text byte; live readers see text up to that much later. 0
 * pushes as soon as lines are stored. Never delays a non-delta event (turn
 * end, approval request, item completion) or a full batch.
 */
export function pushLingerOption(): Option {
  return new Option("--push-linger-ms <ms>", "wait up to this long after the first unpushed text delta for more before pushing (0: push at once; never delays other events), in ms")
    .env("CODEX_CONVEX_PUSH_LINGER_MS")
    .argParser(lingerMs)
    .default(DEFAULT_PUSH_LINGER_MS);
}

/**
 * Parses `--cwd`: an existing directory, as an absolute path. A mistyped path
 * must not become a new empty folder that codex then works in.
 * @throws InvalidArgumentError when it does not exist or is not a directory (a usage error).
 */
export function existingDirectory(value: string): string {
  const dir = path.resolve(value);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    throw new InvalidArgumentError(`no such directory: ${dir}. Pass an existing folder (it is where codex works).`);
  }
  if (!isDirectory) throw new InvalidArgumentError(`${dir} is not a directory.`);
  return dir;
}

/**
 * Adds `--cwd` and `--outbox`.
 * @param cwdMustExist - reject a `--cwd` that is not an existing directory
 *   (default); `status` and `doctor`, which only read, pass false and report it.
 */
export function addOutboxOptions(command: Command, cwdMustExist = true): Command {
  const cwd = new Option("--cwd <dir>", "working directory (of the threads, and of the default outbox); must exist").default(process.cwd(), "the current directory");
  return command
    .addOption(cwdMustExist ? cwd.argParser(existingDirectory) : cwd)
    .option("--outbox <file>", `SQLite outbox file (default: <cwd>/${DEFAULT_OUTBOX_RELATIVE_PATH})`);
}

/**
 * `--api <module>` (env `CODEX_CONVEX_API`, default `codex`): the module of
 * the host app's `convex/` folder that exports the `ensureSession` and
 * `ingestSafe` wrappers (`defineCodexApi`), without extension, e.g. `codex`
 * for `convex/codex.ts` or `bridge/codex` for `convex/bridge/codex.ts`. The
 * bridge calls `<module>:ensureSession` and `<module>:ingestSafe`.
 */
export function apiOption(): Option {
  return new Option("--api <module>", "host module (under convex/, no extension) exporting the wrappers; calls <module>:ingestSafe")
    .env("CODEX_CONVEX_API")
    .default(DEFAULT_API_MODULE);
}

/** Adds the options of commands that run codex and push to Convex. */
export function addWorkOptions(command: Command): Command {
  return addOutboxOptions(command)
    .addOption(new Option("--convex-url <url>", "the Convex deployment URL (https://<name>.convex.cloud)").env("CONVEX_URL"))
    .addOption(
      new Option("--auth-token <jwt>", "a JWT the host app's auth accepts, sent as Bearer token").env("CODEX_CONVEX_AUTH_TOKEN"),
    )
    .addOption(apiOption())
    .option("--codex-bin <path>", "the native codex binary (else CODEX_BIN, @openai/codex, PATH)")
    .addOption(
      new Option("--synchronous <mode>", "outbox durability: NORMAL survives a crash of the bridge, FULL also power loss")
        .choices(["NORMAL", "FULL"])
        .default("NORMAL"),
    )
    .option("--max-pending-bytes <bytes>", "cap on bytes Convex has not acknowledged yet (default 1 GiB)", positiveInt)
    .option("--log-dir <dir>", `directory of codex's stderr logs, rotated (default: <outbox dir>/${DEFAULT_LOG_DIR_NAME})`)
    .option(
      "--flush-timeout <ms>",
      "before exiting, wait for Convex while acknowledgements advance; give up (exit 1) after this long without progress, in ms (default 30000)",
      positiveInt,
    )
    .option(
      "--retry-timeout <ms>",
      `fail a turn after codex retried the model this long with no progress, in ms (default ${CODEX_RETRY_TIMEOUT_MS})`,
      positiveInt,
    )
    .option("--coalesce-deltas", "merge adjacent text deltas of one item before pushing (same seqs, fewer events)", false)
    .addOption(pushLingerOption())
    .option("--keep-acked", "keep rows Convex acknowledged in the outbox (for audits); default: delete them", false)
    .option("--no-status", "no live status line on a terminal")
    .option("--json", "print the summary as one JSON object on stdout", false);
}

/** Pusher settings of parsed options. */
export function pusherTuning(options: Pick<WorkOptions, "coalesceDeltas" | "keepAcked" | "pushLingerMs">): {
  coalesceDeltas: boolean;
  pruneAcked: boolean;
  lingerMs: number;
} {
  return { coalesceDeltas: options.coalesceDeltas, pruneAcked: !options.keepAcked, lingerMs: options.pushLingerMs };
}

/** The outbox path of parsed options. */
export function outboxPath(options: { cwd: string; outbox?: string }): string {
  return path.resolve(options.cwd, options.outbox ?? DEFAULT_OUTBOX_RELATIVE_PATH);
}

/** The log directory of parsed options. */
export function logDir(options: { cwd: string; outbox?: string; logDir?: string }): string {
  return options.logDir ? path.resolve(options.cwd, options.logDir) : path.join(path.dirname(outboxPath(options)), DEFAULT_LOG_DIR_NAME);
}

/**
 * The Convex URL, required for work.
 * @throws BridgeError `INVALID_ARGUMENT` when none was given.
 */
export function requireConvexUrl(options: { convexUrl?: string }): string {
  if (options.convexUrl) return options.convexUrl;
  throw new BridgeError(
    "INVALID_ARGUMENT",
    "No Convex deployment: pass --convex-url or set CONVEX_URL (see `npx convex dev`). " +
      "To try everything offline, run `npm run demo` in the codex-convex repository.",
  );
}
