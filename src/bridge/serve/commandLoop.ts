/**
 * Serve mode's command loop: the desktop runs what the browser queued for it.
 *
 * - Heartbeats (`deviceHeartbeat`) at start and every {@link DEVICE_HEARTBEAT_MS},
 *   declaring the workspaces and the threads whose codex runs.
 * - Subscribes to the device's queued commands; each one is claimed exactly
 *   once (`claimCommand`), recorded in the {@link CommandLog} before each step,
 *   run, and its outcome recorded twice: `completeCommand` for the command row
 *   and a `bridge/command` line in the thread's outbox session.
 * - Commands of one thread run one after another, in queue order; threads run
 *   side by side, each in its own codex (or lease of the shared codex), at
 *   most `--max-threads` at once together with the bridge's jobs (an idle
 *   thread is stopped to make room; a command that finds no room stays queued
 *   until a slot frees).
 * - On start, commands a dead bridge left claimed are finished as the
 *   `CommandLog` says: never sent twice.
 */
import os from "node:os";
import path from "node:path";
import { BridgeError, isBridgeError } from "../errors.js";
import { rpcErrorDetails } from "../codex/rpc.js";
import type { ServerRequestBroker } from "../codex/serverRequestBroker.js";
import type { CodexLauncher } from "../codex/codexLease.js";
import type { BackpressureOptions } from "../jobs/backpressure.js";
import type { SessionHandle } from "../jobs/sessionHandle.js";
import { ThreadSlots } from "../jobs/threadSlots.js";
import { readProgress } from "../jobs/progress.js";
import { SILENT_LOG, type BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { RotatingLog } from "../codex/stderrLog.js";
import { hostErrorData, isPermanentDeviceError } from "../device/hostErrors.js";
import { InvalidCommand, parseCommand, type ParsedCommand } from "./commandArgs.js";
import type { CommandLog } from "./commandLog.js";
import type { CommandOutcome, CommandSource, DeviceCommand, HeartbeatResult, WorkspaceDeclaration } from "./commandSource.js";
import { threadArchive, threadFork, threadRevert, threadSetName, threadTurnsList, threadUnarchive } from "./serveProtocol.js";
import { NO_ACTIVE_TURN, ServeThread } from "./serveThread.js";

/** How often the bridge tells the host it is online, in ms. */
export const DEVICE_HEARTBEAT_MS = 15_000;

/** Lease asked for with each claim, in ms (the host fails a command whose lease ends, `BRIDGE_LOST`). */
export const COMMAND_LEASE_MS = 60_000;

/** How often queued commands are looked at again without a change (slots freed, leases), in ms. */
export const COMMAND_REPUMP_MS = 2_000;

/** Wait between tries of `completeCommand`, in ms (doubled up to {@link MAX_REPORT_RETRY_MS}). */
export const REPORT_RETRY_MS = 500;

/** Longest wait between tries of `completeCommand`, in ms. */
export const MAX_REPORT_RETRY_MS = 15_000;

/** Method of the outbox line recording a command's outcome on its thread. */
export const COMMAND_RECORD_METHOD = "bridge/command";

/** Error code of an answer to a request codex no longer waits for (answered, timed out, or its codex is gone). */
export const REQUEST_EXPIRED = "REQUEST_EXPIRED";

/** Meta key marking an outbox session as a thread run from the browser. */
export const SERVE_META_KEY = "serve";

/** Options of {@link CommandLoop}. */
export type CommandLoopOptions = {
  source: CommandSource;
  outbox: Outbox;
  /** Opens (or finds) the handle of a session; `Bridge.openHandle`. */
  openHandle: (sessionId: string) => SessionHandle;
  commandLog: CommandLog;
  broker: ServerRequestBroker;
  binaryPath: string;
  codexVersion?: string;
  codexEnv?: NodeJS.ProcessEnv;
  codexArgs?: string[];
  /** Working directories browsers may start threads in (absolute). */
  workspaces: WorkspaceDeclaration[];
  /** Most threads at once when no `slots` are given; default 4. */
  maxThreads?: number;
  /**
   * The bridge's `--max-threads` slots (`Bridge.threadSlots`), so browser
   * threads and jobs count together; default: slots of this loop's own, `maxThreads` of them.
   */
  slots?: ThreadSlots;
  /** Where threads get codex (`--codex-process`); default a process of their own. */
  launch?: CodexLauncher;
  /** Directory of codex's rotated stderr logs; default: not kept. */
  logDir?: string;
  backpressure?: BackpressureOptions;
  /** Default {@link DEVICE_HEARTBEAT_MS}. */
  heartbeatMs?: number;
  /** Default {@link COMMAND_LEASE_MS}. */
  leaseMs?: number;
  /** Called once when the host refuses this device for good (`DEVICE_REVOKED`, `DEVICE_UNKNOWN`). */
  onFatal?: (error: BridgeError) => void;
  /** Sees every notification of every browser thread's codex (measurements, tests). */
  onNotification?: (threadId: string | null, method: string, params: unknown) => void;
  log?: BridgeLog;
};

/** A command that failed, with the code the browser sees. */
class CommandFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** See the module comment. */
export class CommandLoop {
  private readonly threads = new Map<string, ServeThread>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly handled = new Set<string>();
  private workspaceIds = new Map<string, string>();
  private latest: DeviceCommand[] = [];
  private pendingLoads = 0;
  private unsubscribe: (() => void) | null = null;
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private stopped = false;
  private readonly log: BridgeLog;
  private readonly slots: ThreadSlots;

  constructor(private readonly options: CommandLoopOptions) {
    this.log = options.log ?? SILENT_LOG;
    this.slots = options.slots ?? new ThreadSlots(options.maxThreads ?? 4);
    this.slots.attachServe({ inUse: () => this.loadedCount() + this.pendingLoads, reclaimIdle: () => this.stopIdle("its slot was needed for a job") });
  }

  /**
   * Finishes what a dead bridge left, heartbeats, and starts taking commands.
   * @throws BridgeError `DEVICE_REVOKED` when the host refuses the device; the host's error otherwise.
   */
  async start(): Promise<void> {
    this.recover();
    await this.heartbeat(true);
    this.unsubscribe = this.options.source.subscribe(
      (commands) => {
        this.latest = commands;
        this.pump();
      },
      (error) => this.onSourceError(error, "the command subscription"),
    );
    this.timers.push(setInterval(() => void this.heartbeat(false), this.options.heartbeatMs ?? DEVICE_HEARTBEAT_MS));
    this.timers.push(setInterval(() => this.pump(), COMMAND_REPUMP_MS));
  }

  /** Threads whose codex runs now. */
  runningThreadIds(): string[] {
    return [...this.threads.values()].filter((t) => t.loaded && t.threadId !== null).map((t) => t.threadId as string);
  }

  /**
   * Stops taking commands, waits (at most `graceMs`) for those running, and stops every thread's codex
   * (running turns recorded failed). The sessions are flushed by the `Bridge` that owns the handles.
   */
  async stop(reason: string, graceMs = 5_000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe?.();
    for (const timer of this.timers) clearInterval(timer);
    await Promise.race([Promise.all(this.inflight), delay(graceMs)]);
    await Promise.all([...this.threads.values()].map((thread) => thread.unload(`the bridge was stopped (${reason})`)));
    this.slots.changed();
  }

  /** Looks at the queued commands and starts those that can run now. */
  private pump(): void {
    if (this.stopped) return;
    for (const command of this.latest) {
      if (this.handled.has(command.commandId) || command.status !== "queued") continue;
      if (this.options.commandLog.has(command.commandId)) {
        this.handled.add(command.commandId); // claimed before (maybe by an earlier life): never again
        continue;
      }
      const needsLoad = this.needsLoad(command);
      if (needsLoad && !this.slotAvailable()) continue; // stays queued until a slot frees
      this.handled.add(command.commandId);
      if (needsLoad) this.pendingLoads += 1;
      const key = command.threadId ?? `new:${command.commandId}`;
      const run = (this.queues.get(key) ?? Promise.resolve())
        .then(() => this.handle(command, needsLoad))
        .catch((error: unknown) => this.log.error(`command ${command.commandId}: ${(error as Error).message} (the command log keeps it; the next start reports it)`))
        .finally(() => {
          if (needsLoad) this.pendingLoads -= 1;
          this.slots.changed();
          this.inflight.delete(run);
          if (this.queues.get(key) === run) this.queues.delete(key);
        });
      this.queues.set(key, run);
      this.inflight.add(run);
    }
  }

  private needsLoad(command: DeviceCommand): boolean {
    if (command.kind === "startThread" || command.kind === "forkThread") return true;
    if (command.kind === "answerServerRequest" || command.kind === "interruptTurn") return false;
    const thread = command.threadId ? this.threads.get(command.threadId) : undefined;
    return !thread?.loaded;
  }

  private loadedCount(): number {
    return [...this.threads.values()].filter((t) => t.loaded).length;
  }

  /** Whether a thread could load now: a slot is free (jobs and browser threads count together), or an idle thread can give its up. */
  private slotAvailable(): boolean {
    if (this.slots.inUse() < this.slots.max) return true;
    return [...this.threads.values()].some((t) => t.loaded && t.idle);
  }

  /** Makes room for one more codex (this command's load is counted already): stops the idle thread used longest ago. */
  private async makeRoom(): Promise<void> {
    if (this.slots.inUse() <= this.slots.max) return;
    await this.stopIdle("its slot was needed for another thread");
  }

  /** Stops the idle browser thread used longest ago. @returns whether one was stopped. */
  private async stopIdle(reason: string): Promise<boolean> {
    if (this.stopped) return false;
    const victim = [...this.threads.values()].filter((t) => t.loaded && t.idle).sort((a, b) => a.lastUsedAt - b.lastUsedAt)[0];
    if (!victim) return false;
    this.log.info(`thread ${victim.threadId}: stopping its idle codex (${reason}; --max-threads ${this.slots.max})`);
    await victim.unload(reason);
    return true;
  }

  /** Claims, runs and reports one command. Never rejects. */
  private async handle(command: DeviceCommand, needsLoad: boolean): Promise<void> {
    const { commandLog, source } = this.options;
    if (this.stopped || !commandLog.claiming(command)) return;
    let claimed: DeviceCommand | null;
    try {
      claimed = await source.claim(command.commandId, this.options.leaseMs ?? COMMAND_LEASE_MS);
    } catch (error) {
      commandLog.unclaimed(command.commandId);
      this.handled.delete(command.commandId); // try again on the next look
      this.onSourceError(error, `claiming command ${command.commandId}`);
      return;
    }
    if (claimed === null) {
      commandLog.unclaimed(command.commandId);
      return;
    }
    commandLog.claimed(command.commandId);
    if (needsLoad) await this.makeRoom();
    const where: { threadId?: string; sessionId?: string } = { threadId: claimed.threadId };
    let outcome: CommandOutcome;
    try {
      outcome = { result: await this.execute(claimed, where) };
    } catch (error) {
      outcome = { error: toCommandError(error) };
      this.log.warn(`command ${claimed.kind} ${claimed.commandId} failed: [${outcome.error?.code}] ${outcome.error?.message}`);
    }
    await this.finish(claimed.commandId, claimed.kind, outcome, where);
  }

  /** Records the outcome locally and on the thread, then reports it to the host (retrying). */
  private async finish(commandId: string, kind: string, outcome: CommandOutcome, where: { threadId?: string; sessionId?: string }): Promise<void> {
    const threadId = outcome.result?.threadId ?? where.threadId;
    this.options.commandLog.finished(commandId, outcome, { threadId, sessionId: where.sessionId });
    const sessionId = where.sessionId ?? (threadId ? this.sessionOfThread(threadId) : undefined);
    if (sessionId) {
      try {
        this.options.openHandle(sessionId).record(COMMAND_RECORD_METHOD, {
          commandId,
          kind,
          status: outcome.error ? "failed" : "done",
          ...(threadId ? { threadId } : {}),
          ...(outcome.result?.turnId ? { turnId: outcome.result.turnId } : {}),
          ...(outcome.error ? { error: outcome.error } : {}),
        });
      } catch (error) {
        this.log.warn(`command ${commandId}: could not record its outcome on the thread: ${(error as Error).message}`);
      }
    }
    await this.report(commandId, outcome);
  }

  private async report(commandId: string, outcome: CommandOutcome): Promise<void> {
    for (let wait = REPORT_RETRY_MS; ; wait = Math.min(wait * 2, MAX_REPORT_RETRY_MS)) {
      try {
        await this.options.source.complete(commandId, outcome);
        this.options.commandLog.reported(commandId);
        return;
      } catch (error) {
        const code = hostErrorData(error)?.code;
        if (code === "COMMAND_NOT_FOUND" || code === "COMMAND_NOT_CLAIMED") {
          // The host already finished it (its lease ended: BRIDGE_LOST) or forgot it; nothing more to say.
          this.options.commandLog.reported(commandId);
          return;
        }
        this.onSourceError(error, `reporting command ${commandId}`);
        if (isPermanentDeviceError(error) || this.stopped) return; // the log keeps it; the next start reports it
        await delay(wait);
      }
    }
  }

  /** Runs one claimed command. @returns its result. @throws CommandFailure, InvalidCommand, BridgeError. */
  private async execute(command: DeviceCommand, where: { threadId?: string; sessionId?: string }): Promise<{ threadId?: string; turnId?: string }> {
    const parsed = parseCommand(command);
    const sent = (sessionId?: string) => this.options.commandLog.sent(command.commandId, { threadId: where.threadId, sessionId: sessionId ?? where.sessionId });
    const clientUserMessageId = command.idempotencyKey;
    switch (parsed.kind) {
      case "startThread": {
        // The path is this bridge's own declaration for the id; a `cwd` in the arguments counts only if declared too.
        const cwd = this.workspaceIds.get(parsed.workspaceId) ?? (parsed.cwd && this.declared(parsed.cwd) ? path.resolve(parsed.cwd) : undefined);
        if (!cwd) throw new CommandFailure("WORKSPACE_NOT_FOUND", `This device declares no workspace ${parsed.workspaceId}; pick one of the device's workspaces.`);
        const thread = this.newThread(cwd, { startedBy: command.commandId });
        where.sessionId = thread.sessionId;
        const started = await thread.startThread(parsed.prompt, { model: parsed.model, clientUserMessageId, beforeTurn: () => sent(thread.sessionId) });
        this.threads.set(started.threadId, thread);
        where.threadId = started.threadId;
        return started;
      }
      case "sendMessage": {
        const thread = this.thread(parsed.threadId, where);
        const { turnId } = await thread.sendMessage(parsed.text, { clientUserMessageId, beforeSend: () => sent() });
        return { threadId: parsed.threadId, turnId };
      }
      case "interruptTurn": {
        const thread = this.threads.get(parsed.threadId);
        if (thread) where.sessionId = thread.sessionId;
        const turnId = thread ? await thread.interrupt(() => sent()) : null;
        if (turnId === null) throw new CommandFailure(NO_ACTIVE_TURN, `No turn of thread ${parsed.threadId} is running on this device; there is nothing to interrupt.`);
        return { threadId: parsed.threadId, turnId };
      }
      case "answerServerRequest":
        return this.answer(parsed, where, sent);
      case "archiveThread":
      case "unarchiveThread": {
        const thread = this.thread(parsed.threadId, where);
        if (parsed.kind === "archiveThread") await thread.request(threadArchive, { threadId: parsed.threadId }, () => sent());
        else await thread.request(threadUnarchive, { threadId: parsed.threadId }, () => sent());
        return { threadId: parsed.threadId };
      }
      case "renameThread":
        await this.thread(parsed.threadId, where).request(threadSetName, { threadId: parsed.threadId, name: parsed.name }, () => sent());
        return { threadId: parsed.threadId };
      case "forkThread": {
        const source = this.thread(parsed.threadId, where);
        const cwd = this.cwdOf(source.sessionId);
        const fork = this.newThread(cwd, { forkedFrom: parsed.threadId, startedBy: command.commandId });
        where.sessionId = fork.sessionId;
        const { thread } = await fork.request(threadFork, { threadId: parsed.threadId, cwd, excludeTurns: true }, () => sent(fork.sessionId));
        this.options.openHandle(fork.sessionId).update({ threadId: thread.id });
        this.threads.set(thread.id, fork);
        return { threadId: thread.id };
      }
      case "rollbackThread":
        return this.rollback(parsed, where, sent);
    }
  }

  private answer(parsed: Extract<ParsedCommand, { kind: "answerServerRequest" }>, where: { sessionId?: string }, sent: () => void): { threadId: string } {
    const thread = this.threads.get(parsed.threadId);
    if (thread) where.sessionId = thread.sessionId;
    sent();
    const refusal = this.options.broker.answer(parsed.threadId, parsed.jsonRpcId, { result: parsed.response }, parsed.method, parsed.requestSeq);
    if (refusal === "WRONG_METHOD") throw new CommandFailure("INVALID_COMMAND", `Request ${JSON.stringify(parsed.jsonRpcId)} of thread ${parsed.threadId} is not a ${parsed.method}.`);
    if (refusal === "NOT_PENDING") {
      throw new CommandFailure(
        REQUEST_EXPIRED,
        `codex no longer waits for request ${JSON.stringify(parsed.jsonRpcId)} of thread ${parsed.threadId}: it was answered (maybe by --unattended after --approval-timeout), or its codex stopped (then it is recorded expired).`,
      );
    }
    return { threadId: parsed.threadId };
  }

  private async rollback(parsed: Extract<ParsedCommand, { kind: "rollbackThread" }>, where: { sessionId?: string }, sent: () => void): Promise<{ threadId: string }> {
    const thread = this.thread(parsed.threadId, where);
    if (thread.activeTurnId !== null) throw new CommandFailure("TURN_RUNNING", `A turn of thread ${parsed.threadId} is running; interrupt it before rolling back.`);
    const { data } = await thread.request(threadTurnsList, { threadId: parsed.threadId, limit: parsed.numTurns, sortDirection: "desc" });
    const before = data[parsed.numTurns - 1];
    if (data.length < parsed.numTurns || !before) {
      throw new CommandFailure("INVALID_COMMAND", `Thread ${parsed.threadId} has ${data.length} turn(s); it cannot roll back ${parsed.numTurns}.`);
    }
    await thread.request(threadRevert, { threadId: parsed.threadId, beforeTurnId: before.id }, sent);
    return { threadId: parsed.threadId };
  }

  /** The browser thread `threadId`, found in memory or (after a restart) in the outbox. */
  private thread(threadId: string, where: { sessionId?: string }): ServeThread {
    let thread = this.threads.get(threadId);
    if (!thread) {
      const sessionId = this.sessionOfThread(threadId, true);
      if (!sessionId) {
        throw new CommandFailure("THREAD_NOT_FOUND", `This device has no browser thread ${threadId} in its outbox (threads of --jobs/--prompt take no commands but answers).`);
      }
      thread = this.serveThread(this.options.openHandle(sessionId), this.cwdOf(sessionId));
      this.threads.set(threadId, thread);
    }
    where.sessionId = thread.sessionId;
    return thread;
  }

  private sessionOfThread(threadId: string, serveOnly = false): string | undefined {
    const known = [...this.threads.values()].find((t) => t.threadId === threadId);
    if (known) return known.sessionId;
    const records = this.options.outbox.sessions().filter((r) => readProgress(r.meta).threadId === threadId && (!serveOnly || r.meta[SERVE_META_KEY] === true));
    return records.at(-1)?.sessionId;
  }

  private cwdOf(sessionId: string): string {
    const cwd = this.options.outbox.session(sessionId).meta.cwd;
    if (typeof cwd !== "string" || !this.declared(cwd)) {
      throw new CommandFailure("WORKSPACE_NOT_FOUND", `The thread's working directory is not one this bridge declares any more (--workspace); restart it with that workspace.`);
    }
    return cwd;
  }

  private declared(cwd: string): boolean {
    return this.options.workspaces.some((w) => path.resolve(w.path) === path.resolve(cwd));
  }

  private newThread(cwd: string, meta: Record<string, string>): ServeThread {
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
        this.options.onNotification?.(thread.threadId, method, params);
        if (method === "turn/completed" || method === "serverRequest/resolved") queueMicrotask(() => this.pump());
      },
      log: this.log,
    });
    return thread;
  }

  /** Finishes and reports what a dead bridge left in the command log. */
  private recover(): void {
    for (const entry of this.options.commandLog.recover()) {
      this.handled.add(entry.commandId);
      let outcome = entry.outcome ?? {};
      if (outcome.result && !outcome.result.threadId && entry.sessionId) {
        // A thread started just before the crash: its id is in the session's progress.
        const threadId = this.sessionThread(entry.sessionId);
        if (threadId) outcome = { result: { ...outcome.result, threadId } };
      }
      this.log.info(`command ${entry.commandId} (${entry.kind}) left by an earlier bridge: reported ${outcome.error ? `failed [${outcome.error.code}]` : "done"}`);
      const run = this.finish(entry.commandId, entry.kind, outcome, { threadId: entry.threadId ?? undefined, sessionId: entry.sessionId ?? undefined }).finally(() =>
        this.inflight.delete(run),
      );
      this.inflight.add(run);
    }
  }

  private sessionThread(sessionId: string): string | null {
    try {
      return readProgress(this.options.outbox.session(sessionId).meta).threadId;
    } catch {
      return null;
    }
  }

  private async heartbeat(first: boolean): Promise<void> {
    if (this.stopped && !first) return;
    let answer: HeartbeatResult;
    try {
      answer = await this.options.source.heartbeat({
        codexVersion: this.options.codexVersion,
        hostname: os.hostname(),
        workspaces: this.options.workspaces,
        runningThreadIds: this.runningThreadIds(),
      });
    } catch (error) {
      if (first && isPermanentDeviceError(error)) throw deviceRefused(error);
      this.onSourceError(error, "the heartbeat");
      if (first) throw error;
      return;
    }
    // Only paths this bridge declared, whatever the host answers.
    this.workspaceIds = new Map(answer.workspaces.filter((w) => this.declared(w.path)).map((w) => [w.workspaceId, path.resolve(w.path)]));
  }

  private fatalReported = false;

  private onSourceError(error: unknown, what: string): void {
    if (isPermanentDeviceError(error)) {
      if (this.fatalReported) return;
      this.fatalReported = true;
      const refused = deviceRefused(error);
      this.log.error(refused.message);
      this.options.onFatal?.(refused);
      return;
    }
    const data = hostErrorData(error);
    this.log.warn(`${what} failed: ${data ? `[${data.code}] ${data.message}` : error instanceof Error ? error.message : String(error)}`);
  }
}

/** The error the bridge stops with when the host refuses the device. */
function deviceRefused(error: unknown): BridgeError {
  const data = hostErrorData(error);
  return new BridgeError(
    "DEVICE_REVOKED",
    `The deployment refused this device (${data?.code ?? "DEVICE_REVOKED"}: ${data?.message ?? "revoked"}). ` +
      "The outbox is kept as it is. Pair the machine again (codex-convex pair <code>) to continue.",
    { cause: error },
  );
}

/** The `{ code, message }` a failed command reports. */
function toCommandError(error: unknown): { code: string; message: string } {
  if (error instanceof CommandFailure) return { code: error.code, message: error.message };
  if (error instanceof InvalidCommand) return { code: "INVALID_COMMAND", message: `The bridge will not run this command: ${error.message}.` };
  const rpc = rpcErrorDetails(error);
  if (rpc) return { code: "CODEX_REFUSED", message: `codex refused it: ${rpc.message}` };
  if (isBridgeError(error)) return { code: error.code, message: error.message };
  return { code: "COMMAND_FAILED", message: error instanceof Error ? error.message : String(error) };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
