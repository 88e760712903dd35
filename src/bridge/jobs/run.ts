/**
 * `codex-convex run`: one thread, one turn, streamed store-first to the outbox
 * and to Convex, then a summary. It is a {@link Bridge} with a single job and
 * no adoption of leftovers, so it gets the same supervision (codex restarted
 * and the thread resumed if codex dies mid-turn). The CLI and the demo call it.
 */
import { Bridge, type BridgeOptions, type PushStop } from "./bridge.js";
import { codexVersion, findCodexBinary } from "../codex/codexBinary.js";
import { BridgeError } from "../errors.js";
import { newJobId } from "./jobs.js";
import type { BridgeLog } from "../log.js";
import { Outbox, type OutboxSynchronous } from "../outbox/outbox.js";
import type { PusherTuning } from "./sessionHandle.js";
import type { IngestTransport } from "../push/transport.js";

/**
 * Stall timeout of `run`'s flush after the turn, in ms: it waits for Convex
 * while acknowledgements advance, and gives up once none arrived for this long.
 */
export const RUN_FLUSH_TIMEOUT_MS = 30_000;

/** Options of {@link run}. */
export type RunOptions = {
  /** The user's prompt for the turn. */
  prompt: string;
  /** Working directory of the thread (an absolute path). */
  cwd: string;
  /** How the bridge reaches Convex. */
  transport: IngestTransport;
  /** SQLite outbox file; created when missing. */
  outboxPath: string;
  /** Outbox durability; default NORMAL (see `Outbox`). */
  synchronous?: OutboxSynchronous;
  /** Cap on unacknowledged bytes in the outbox; default `DEFAULT_MAX_PENDING_BYTES`. */
  maxPendingBytes?: number;
  /** The codex binary; default: found by `findCodexBinary` (CODEX_BIN, package, PATH). */
  codexBin?: string;
  /** Environment of codex (complete); default `process.env`. */
  codexEnv?: NodeJS.ProcessEnv;
  /** Extra `codex app-server` arguments. */
  codexArgs?: string[];
  /** Directory of codex's rotated stderr logs; default: not kept. */
  logDir?: string;
  /** Stall timeout of the flush after the turn (longest wait with no acknowledgement progress), in ms; default {@link RUN_FLUSH_TIMEOUT_MS}. */
  flushTimeoutMs?: number;
  /**
   * How long the turn may go with codex retrying the model and no progress
   * before it is failed, in ms; default `CODEX_RETRY_TIMEOUT_MS` (see `turnWatch.ts`).
   */
  retryTimeoutMs?: number;
  /** Pusher tuning. */
  pusher?: PusherTuning;
  log?: BridgeLog;
  /** Called with the bridge once it runs, e.g. to stop it on SIGINT or show its status. */
  onStart?: (bridge: Bridge) => void;
};

/** What a run did. Durations in ms. */
export type RunSummary = {
  sessionId: string;
  threadId: string;
  turnId: string;
  /** The turn's status (`completed`, `failed`, `interrupted`), or `stopped` when the run was stopped first. */
  status: string;
  /** The turn's error message when it failed, or why the run failed or stopped. */
  error: string | null;
  /** codex's answer: the turn's final agent message, or null when it gave none. */
  answer: string | null;
  codexVersion: string;
  /** Lines stored in the outbox for this session (from codex and from the bridge). */
  events: number;
  /** Seqs Convex acknowledged. */
  acked: number;
  /** `ingestSafe` calls answered. */
  pushes: number;
  /** True when Convex acknowledged every stored event before exit. */
  drained: boolean;
  /** The permanent error pushing stopped on (its events stay in the outbox), or null. */
  pushStopped: PushStop | null;
  /** Wall time from start to exit, in ms. */
  durationMs: number;
  /** Wall time of the turn alone (turn/start to turn/completed), in ms. */
  turnMs: number;
};

/**
 * Runs one turn end to end: find codex, spawn `codex app-server`, initialize,
 * `thread/start` in `cwd`, check codex is signed in (when its model provider
 * needs it), `turn/start` with `prompt`, wait for `turn/completed` (or give up
 * after `retryTimeoutMs` of codex retrying the model), flush the outbox to
 * Convex, stop codex.
 *
 * @returns the {@link RunSummary}.
 * @throws BridgeError `CODEX_BINARY_NOT_FOUND` (with the ways to provide it),
 *   `OUTBOX_CORRUPT`; `CODEX_NOT_SIGNED_IN`, `CODEX_CONFIG_INVALID`, `CODEX_SPAWN_FAILED`, `CODEX_EXITED`, `RPC_ERROR`,
 *   `OUTBOX_FULL` when the job fails before any turn completed. Events stored
 *   before a failure stay in the outbox.
 */
export async function run(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const binary = findCodexBinary({ explicit: options.codexBin }).path;
  const version = await codexVersion(binary);
  const outbox = Outbox.open(options.outboxPath, { synchronous: options.synchronous, maxPendingBytes: options.maxPendingBytes });
  try {
    const bridgeOptions: BridgeOptions = {
      outbox,
      transport: options.transport,
      binaryPath: binary,
      codexVersion: version,
      codexEnv: options.codexEnv,
      codexArgs: options.codexArgs,
      logDir: options.logDir,
      jobs: [{ id: newJobId("run"), prompts: [options.prompt], cwd: options.cwd }],
      resumeLeftovers: false,
      flushTimeoutMs: options.flushTimeoutMs ?? RUN_FLUSH_TIMEOUT_MS,
      pusher: options.pusher,
      supervision: options.retryTimeoutMs === undefined ? undefined : { retryTimeoutMs: options.retryTimeoutMs },
      log: options.log,
    };
    const bridge = new Bridge(bridgeOptions);
    options.onStart?.(bridge);
    const summary = await bridge.run();
    const job = summary.jobs[0];
    const session = summary.sessions.find((s) => s.sessionId === job?.sessionId);
    const turn = job?.turns.at(-1);
    if (!job || !session || (!turn && job.state === "failed")) {
      throw new BridgeError(job?.errorCode ?? "CODEX_EXITED", job?.error ?? "The run ended before its turn started.");
    }
    return {
      sessionId: job.sessionId,
      threadId: job.threadId ?? "",
      turnId: turn?.turnId ?? "",
      status: turn?.status ?? job.state,
      error: turn?.error ?? job.error,
      answer: turn?.answer ?? null,
      codexVersion: version,
      events: session.lastSeq,
      acked: session.ackedSeq,
      pushes: session.pushes,
      drained: session.drained,
      pushStopped: session.pushStopped,
      durationMs: Date.now() - started,
      turnMs: turn?.durationMs ?? 0,
    };
  } finally {
    outbox.close();
  }
}
