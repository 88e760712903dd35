/**
 * One thread run from the browser: its outbox session (a `SessionHandle`,
 * shared with the `Bridge` so one pusher serves it) and, while it is loaded,
 * its own `codex app-server`. codex is started on demand (the thread resumed
 * with `thread/resume` when it already exists) and stopped when the slot is
 * needed for another thread; turns are started, steered and interrupted
 * without waiting for them to end.
 *
 * The session's progress tracks the running turn exactly as for jobs (see
 * `progress.ts`): `sentPrompt` is set before each `turn/start`, so a turn cut
 * off by a crash is recorded failed on the next start, and never run again.
 */
import { CodexProcess } from "../codex/codexProcess.js";
import type { CodexLauncher, CodexLease } from "../codex/codexLease.js";
import type { AppServerExit } from "../codex/appServer.js";
import { threadStart, turnInterrupt, turnStart, type Turn, type UserInput } from "../codex/protocol/index.js";
import type { RequestMethod } from "../codex/rpc.js";
import type { RotatingLog } from "../codex/stderrLog.js";
import type { BackpressureOptions } from "../jobs/backpressure.js";
import type { SessionHandle } from "../jobs/sessionHandle.js";
import { SILENT_LOG, type BridgeLog } from "../log.js";
import type { ServerRequestBroker } from "../codex/serverRequestBroker.js";
import { turnSteer } from "./serveProtocol.js";

/** How long codex gets at each stop step when its slot is taken back, in ms. */
export const THREAD_STOP_GRACE_MS = 2_000;

/** Error code of a command on a thread with no running turn (interrupt). */
export const NO_ACTIVE_TURN = "NO_ACTIVE_TURN";

/** What a {@link ServeThread} needs to start codex. */
export type ServeThreadOptions = {
  handle: SessionHandle;
  /** Working directory of the thread (a declared workspace). */
  cwd: string;
  binaryPath: string;
  codexEnv?: NodeJS.ProcessEnv;
  codexArgs?: string[];
  broker: ServerRequestBroker;
  backpressure?: BackpressureOptions;
  stderrLog?: RotatingLog;
  /** Where the thread gets codex (`--codex-process`); default a process of its own (`CodexProcess.start`). */
  launch?: CodexLauncher;
  /** Sees every notification of this thread's codex (after it was stored), e.g. for measurements. */
  onNotification?: (method: string, params: unknown) => void;
  log?: BridgeLog;
};

/** A thread, its session and (while loaded) its codex; see the module comment. */
export class ServeThread {
  private codex: CodexLease | null = null;
  private starting: Promise<CodexLease> | null = null;
  private turnId: string | null = null;
  /** When the thread last ran a command, ms since the epoch (for choosing which codex to stop). */
  lastUsedAt = Date.now();
  private readonly log: BridgeLog;

  constructor(private readonly options: ServeThreadOptions) {
    this.log = options.log ?? SILENT_LOG;
  }

  /** The thread id, once known. */
  get threadId(): string | null {
    return this.options.handle.get().threadId;
  }

  /** The session id. */
  get sessionId(): string {
    return this.options.handle.sessionId;
  }

  /** The running turn, or null. */
  get activeTurnId(): string | null {
    return this.turnId;
  }

  /** Whether codex is running for this thread. */
  get loaded(): boolean {
    return this.codex !== null || this.starting !== null;
  }

  /** Whether codex may be stopped without cutting anything off: no turn runs and no request waits. */
  get idle(): boolean {
    const threadId = this.threadId;
    return this.turnId === null && !this.options.broker.pending().some((held) => held.threadId === threadId);
  }

  /**
   * Starts codex, a new thread in the workspace, and its first turn.
   * @param beforeTurn - Called right before `turn/start` is written (the command counts as sent from then on).
   * @returns the thread and turn ids.
   * @throws BridgeError from codex (`CODEX_SPAWN_FAILED`, `RPC_ERROR`, …).
   */
  async startThread(prompt: string, options: { model?: string; clientUserMessageId?: string; beforeTurn?: () => void }): Promise<{ threadId: string; turnId: string }> {
    const codex = await this.ensureCodex();
    const { thread } = await codex.request(threadStart, { cwd: this.options.cwd, ...(options.model ? { model: options.model } : {}) });
    if (this.options.handle.get().threadId === null) this.options.handle.update({ threadId: thread.id });
    options.beforeTurn?.();
    const turnId = await this.startTurnOn(codex, thread.id, prompt, options.clientUserMessageId);
    return { threadId: thread.id, turnId };
  }

  /**
   * Sends a user message: `turn/steer` into the running turn, else `turn/start`.
   * @param beforeSend - Called right before the request is written.
   * @returns the turn the message went to, and whether it steered.
   */
  async sendMessage(text: string, options: { clientUserMessageId?: string; beforeSend?: () => void }): Promise<{ turnId: string; steered: boolean }> {
    const codex = await this.ensureCodex();
    const threadId = this.requireThreadId();
    options.beforeSend?.();
    const running = this.turnId;
    if (running !== null) {
      try {
        const { turnId } = await codex.request(turnSteer, { threadId, input: textInput(text), expectedTurnId: running, clientUserMessageId: options.clientUserMessageId ?? null });
        return { turnId, steered: true };
      } catch (error) {
        // The turn ended between our look and codex's (it refuses the steer): the message starts a turn instead.
        if (this.turnId === running) throw error;
      }
    }
    return { turnId: await this.startTurnOn(codex, threadId, text, options.clientUserMessageId), steered: false };
  }

  /**
   * Interrupts the running turn (`turn/interrupt`); codex completes it as `interrupted`.
   * @returns the interrupted turn, or null when no turn was running (nothing sent).
   */
  async interrupt(beforeSend?: () => void): Promise<string | null> {
    const turnId = this.turnId;
    const codex = this.codex;
    if (turnId === null || codex === null) return null;
    beforeSend?.();
    await codex.request(turnInterrupt, { threadId: this.requireThreadId(), turnId });
    return turnId;
  }

  /** Sends any request about this thread, loading codex (and the thread) first. */
  async request<P, R>(method: RequestMethod<P, R>, params: P, beforeSend?: () => void): Promise<R> {
    const codex = await this.ensureCodex();
    beforeSend?.();
    return codex.request(method, params);
  }

  /**
   * Starts codex for an existing thread without sending anything (e.g. to fork from it later).
   * @returns the running codex.
   */
  load(): Promise<CodexLease> {
    return this.ensureCodex();
  }

  /** Stops codex (the slot is needed, or the bridge stops); a running turn is recorded failed with `reason`. */
  async unload(reason: string): Promise<void> {
    const codex = this.codex ?? (await this.starting?.catch(() => null)) ?? null;
    if (codex) await codex.stop(reason, THREAD_STOP_GRACE_MS);
  }

  private requireThreadId(): string {
    const threadId = this.threadId;
    if (threadId === null) throw new Error(`session ${this.sessionId} has no thread yet`);
    return threadId;
  }

  private async startTurnOn(codex: CodexLease, threadId: string, text: string, clientUserMessageId: string | undefined): Promise<string> {
    const { handle } = this.options;
    handle.update({ sentPrompt: handle.get().nextPrompt });
    const { turn } = await codex.request(turnStart, { threadId, input: textInput(text), clientUserMessageId: clientUserMessageId ?? null });
    if (!this.completed.has(turn.id)) this.turnId = turn.id;
    this.completed.clear();
    return turn.id;
  }

  /** Turns that completed before their `turn/start` answer was read (fast turns). */
  private readonly completed = new Set<string>();

  private ensureCodex(): Promise<CodexLease> {
    this.lastUsedAt = Date.now();
    if (this.codex) return Promise.resolve(this.codex);
    this.starting ??= this.spawn().finally(() => (this.starting = null));
    return this.starting;
  }

  private async spawn(): Promise<CodexLease> {
    const { handle, broker } = this.options;
    const codex = await (this.options.launch ?? CodexProcess.start)({
      binaryPath: this.options.binaryPath,
      cwd: this.options.cwd,
      env: this.options.codexEnv,
      codexArgs: this.options.codexArgs,
      outbox: handle.outbox,
      sessionId: handle.sessionId,
      progress: handle,
      onStored: () => handle.pusher.kick(),
      stderrLog: this.options.stderrLog,
      backpressure: this.options.backpressure,
      onServerRequest: broker.hold,
      log: this.log,
    });
    codex.onNotification((method, params) => this.observe(method, params));
    void codex.exited.then((exit) => this.afterExit(codex, exit));
    const threadId = handle.get().threadId;
    try {
      if (threadId !== null) await codex.resumeThread(threadId, this.options.cwd);
    } catch (error) {
      await codex.stop(`could not resume thread ${threadId}`, THREAD_STOP_GRACE_MS);
      throw error;
    }
    this.codex = codex;
    return codex;
  }

  private observe(method: string, params: unknown): void {
    const p = params as { threadId?: string; turn?: Turn };
    if (method === "turn/completed" && p.threadId === this.threadId && p.turn) {
      if (p.turn.id === this.turnId) this.turnId = null;
      else this.completed.add(p.turn.id);
    }
    this.options.onNotification?.(method, params);
  }

  private afterExit(codex: CodexLease, exit: AppServerExit): void {
    if (this.codex === codex) this.codex = null;
    this.turnId = null;
    const cut = this.options.handle.recordTurnFailed(codex.exitError(exit, "during the turn").message, { countAttempt: false });
    if (cut) this.log.warn(`thread ${this.threadId}: codex exited; turn ${cut.turnId} recorded failed`);
  }
}

function textInput(text: string): UserInput[] {
  return [{ type: "text", text, text_elements: [] }];
}
