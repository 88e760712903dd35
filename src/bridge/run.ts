/**
 * `codex-convex run`: one thread, one turn, streamed store-first to the outbox
 * and to Convex, then a summary. The CLI and the demo both call {@link run}.
 */
import { findCodexBinary, codexVersion } from "./codexBinary.js";
import { CodexSession, type CodexSessionOptions } from "./codexSession.js";
import { Outbox, type OutboxSynchronous } from "./outbox.js";
import type { Turn } from "./protocol/index.js";
import type { IngestTransport } from "./transport.js";

/** How long `run` waits, after the turn, for Convex to acknowledge every event, in ms. */
export const RUN_FLUSH_TIMEOUT_MS = 30_000;

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
  /** The codex binary; default: found by `findCodexBinary` (CODEX_BIN, package, PATH). */
  codexBin?: string;
  /** Environment of codex (complete); default `process.env`. */
  codexEnv?: NodeJS.ProcessEnv;
  /** Extra `codex app-server` arguments. */
  codexArgs?: string[];
  /** File codex's stderr is appended to. */
  stderrLog?: string;
  /** How long to wait for Convex after the turn, in ms; default {@link RUN_FLUSH_TIMEOUT_MS}. */
  flushTimeoutMs?: number;
  /** Pusher tuning. */
  pusher?: CodexSessionOptions["pusher"];
};

/** What a run did. Durations in ms. */
export type RunSummary = {
  sessionId: string;
  threadId: string;
  turnId: string;
  status: Turn["status"];
  /** The turn's error message when it failed. */
  error: string | null;
  codexVersion: string;
  /** Lines stored in the outbox for this session (from codex and from the bridge). */
  events: number;
  /** Seqs Convex acknowledged. */
  acked: number;
  /** `ingestSafe` calls answered. */
  pushes: number;
  /** True when Convex acknowledged every stored event before exit. */
  drained: boolean;
  /** Wall time from start to exit, in ms. */
  durationMs: number;
  /** Wall time of the turn alone (turn/start to turn/completed), in ms. */
  turnMs: number;
};

/**
 * Runs one turn end to end: find codex, spawn `codex app-server`, initialize,
 * `thread/start` in `cwd`, `turn/start` with `prompt`, wait for
 * `turn/completed`, flush the outbox to Convex, stop codex.
 *
 * @returns the {@link RunSummary}.
 * @throws BridgeError CODEX_BINARY_NOT_FOUND (with the ways to provide it),
 *   CODEX_SPAWN_FAILED, CODEX_EXITED, RPC_ERROR/RPC_TIMEOUT, OUTBOX_FULL.
 *   Events stored before a failure stay in the outbox.
 */
export async function run(options: RunOptions): Promise<RunSummary> {
  const started = Date.now();
  const binary = findCodexBinary({ explicit: options.codexBin }).path;
  const version = await codexVersion(binary);
  const outbox = Outbox.open(options.outboxPath, { synchronous: options.synchronous });
  let session: CodexSession | undefined;
  try {
    session = await CodexSession.start({
      binaryPath: binary,
      codexVersion: version,
      outbox,
      transport: options.transport,
      cwd: options.cwd,
      env: options.codexEnv,
      codexArgs: options.codexArgs,
      stderrLog: options.stderrLog,
      pusher: options.pusher,
    });
    const { thread } = await session.startThread({ cwd: options.cwd });
    outbox.updateSessionMeta(session.sessionId, { threadId: thread.id });
    const turnStarted = Date.now();
    const turn = await session.runTurn(thread.id, options.prompt);
    const turnMs = Date.now() - turnStarted;
    const { drained } = await session.close(options.flushTimeoutMs ?? RUN_FLUSH_TIMEOUT_MS);
    const record = outbox.session(session.sessionId);
    const stats = session.pusher.stats();
    return {
      sessionId: session.sessionId,
      threadId: thread.id,
      turnId: turn.id,
      status: turn.status,
      error: turn.error?.message ?? null,
      codexVersion: version,
      events: record.lastSeq,
      acked: record.ackedSeq,
      pushes: stats.pushes,
      drained,
      durationMs: Date.now() - started,
      turnMs,
    };
  } catch (error) {
    if (session) await session.close(1_000).catch(() => undefined);
    throw error;
  } finally {
    outbox.close();
  }
}
