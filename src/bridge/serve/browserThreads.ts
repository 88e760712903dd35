/**
 * Serve mode's browser threads: which thread runs in which outbox session,
 * found in memory or (after a restart) in the outbox, new ones created with
 * their session, and the idle one to stop when a slot is needed.
 */
import os from "node:os";
import path from "node:path";
import type { CodexLauncher } from "../codex/codexLease.js";
import type { ServerRequestBroker } from "../codex/serverRequestBroker.js";
import { RotatingLog } from "../codex/stderrLog.js";
import type { BackpressureOptions } from "../jobs/backpressure.js";
import { readProgress } from "../jobs/progress.js";
import type { SessionHandle } from "../jobs/sessionHandle.js";
import type { BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { CommandFailure } from "./commandErrors.js";
import type { WorkspaceDeclaration } from "./commandSource.js";
import { ServeThread } from "./serveThread.js";

/** Meta key marking an outbox session as a thread run from the browser. */
export const SERVE_META_KEY = "serve";

/** What {@link BrowserThreads} needs (see `CommandLoopOptions`). */
export type BrowserThreadsOptions = {
  outbox: Outbox;
  openHandle: (sessionId: string) => SessionHandle;
  broker: ServerRequestBroker;
  binaryPath: string;
  codexVersion?: string;
  codexEnv?: NodeJS.ProcessEnv;
  codexArgs?: string[];
  launch?: CodexLauncher;
  workspaces: WorkspaceDeclaration[];
  logDir?: string;
  backpressure?: BackpressureOptions;
  /** Sees every notification of every thread (after it was stored). */
  onNotification: (thread: ServeThread, method: string, params: unknown) => void;
  log: BridgeLog;
};

/** See the module comment. */
export class BrowserThreads {
  private readonly map = new Map<string, ServeThread>();

  constructor(private readonly options: BrowserThreadsOptions) {}

  /** Every thread known in this run. */
  all(): ServeThread[] {
    return [...this.map.values()];
  }

  /** The thread `threadId` when known in this run. */
  get(threadId: string): ServeThread | undefined {
    return this.map.get(threadId);
  }

  /** Registers a thread under its id (once codex gave it one). */
  set(threadId: string, thread: ServeThread): void {
    this.map.set(threadId, thread);
  }

  /** Threads whose codex runs now. */
  runningThreadIds(): string[] {
    return this.all().filter((t) => t.loaded && t.threadId !== null).map((t) => t.threadId as string);
  }

  /** Threads whose codex is loaded or loading. */
  loadedCount(): number {
    return this.all().filter((t) => t.loaded).length;
  }

  /** Whether a loaded thread could give its slot up (no turn runs, no request waits). */
  hasIdle(): boolean {
    return this.all().some((t) => t.loaded && t.idle);
  }

  /** Stops the idle thread used longest ago. @returns whether one was stopped. */
  async stopIdle(reason: string, maxThreads: number): Promise<boolean> {
    const victim = this.all().filter((t) => t.loaded && t.idle).sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
    if (!victim) return false;
    this.options.log.info(`thread ${victim.threadId}: stopping its idle codex (${reason}; --max-threads ${maxThreads})`);
    await victim.unload(reason);
    return true;
  }

  /** Stops every thread's codex (running turns recorded failed). */
  async unloadAll(reason: string): Promise<void> {
    await Promise.all(this.all().map((thread) => thread.unload(reason)));
  }

  /** The browser thread `threadId`, found in memory or (after a restart) in the outbox. */
  thread(threadId: string, where: { sessionId?: string }): ServeThread {
    let thread = this.map.get(threadId);
    if (!thread) {
      const sessionId = this.sessionOfThread(threadId, true);
      if (!sessionId) {
        throw new CommandFailure("THREAD_NOT_FOUND", `This device has no browser thread ${threadId} in its outbox (threads of --jobs/--prompt take no commands but answers).`);
      }
      thread = this.serveThread(this.options.openHandle(sessionId), this.cwdOf(sessionId));
      this.map.set(threadId, thread);
    }
    where.sessionId = thread.sessionId;
    return thread;
  }

  /** The session of thread `threadId` (only browser threads' when `serveOnly`), or undefined. */
  sessionOfThread(threadId: string, serveOnly = false): string | undefined {
    const known = [...this.map.values()].find((t) => t.threadId === threadId);
    if (known) return known.sessionId;
    const records = this.options.outbox.sessions().filter((r) => readProgress(r.meta).threadId === threadId && (!serveOnly || r.meta[SERVE_META_KEY] === true));
    return records.at(-1)?.sessionId;
  }

  /**
   * The working directory of a thread's session.
   * @throws CommandFailure `WORKSPACE_NOT_FOUND` when this bridge no longer declares it.
   */
  cwdOf(sessionId: string): string {
    const cwd = this.options.outbox.session(sessionId).meta.cwd;
    if (typeof cwd !== "string" || !this.declared(cwd)) {
      throw new CommandFailure("WORKSPACE_NOT_FOUND", `The thread's working directory is not one this bridge declares any more (--workspace); restart it with that workspace.`);
    }
    return cwd;
  }

  /** Whether `cwd` is one of the declared workspaces. */
  declared(cwd: string): boolean {
    return this.options.workspaces.some((w) => path.resolve(w.path) === path.resolve(cwd));
  }

  /** A new browser thread (its session created, marked {@link SERVE_META_KEY}); not in the map until it has a thread id. */
  newThread(cwd: string, meta: Record<string, string>): ServeThread {
    const { outbox } = this.options;
    const sessionId = outbox.createSession(
      { cwd, codexVersion: this.options.codexVersion, hostname: os.hostname(), [SERVE_META_KEY]: true, ...meta },
      { jobId: `serve-${meta.startedBy ?? ""}`.slice(0, 64) },
    );
    return this.serveThread(this.options.openHandle(sessionId), cwd);
  }

  private serveThread(handle: SessionHandle, cwd: string): ServeThread {
    const thread: ServeThread = new ServeThread({
      handle,
      cwd,
      binaryPath: this.options.binaryPath,
      codexEnv: this.options.codexEnv,
      codexArgs: this.options.codexArgs,
      broker: this.options.broker,
      launch: this.options.launch,
      backpressure: this.options.backpressure,
      stderrLog: this.options.logDir ? new RotatingLog(path.join(this.options.logDir, `codex-${handle.sessionId}.log`)) : undefined,
      onNotification: (method, params) => {
        this.options.onNotification(thread, method, params);
      },
      log: this.options.log,
    });
    return thread;
  }

  /** The thread id stored in a session's progress, or null. */
  sessionThread(sessionId: string): string | null {
    try {
      return readProgress(this.options.outbox.session(sessionId).meta).threadId;
    } catch {
      return null;
    }
  }
}
