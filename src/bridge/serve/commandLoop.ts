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
 *
 * What each command does is in `commandExecute.ts`, the threads and their
 * sessions in `browserThreads.ts`, how failures read in `commandErrors.ts`.
 */
import os from "node:os";
import path from "node:path";
import type { BridgeError } from "../errors.js";
import type { ServerRequestBroker } from "../codex/serverRequestBroker.js";
import type { CodexLauncher } from "../codex/codexLease.js";
import type { BackpressureOptions } from "../jobs/backpressure.js";
import type { SessionHandle } from "../jobs/sessionHandle.js";
import { ThreadSlots } from "../jobs/threadSlots.js";
import { SILENT_LOG, type BridgeLog } from "../log.js";
import type { Outbox } from "../outbox/outbox.js";
import { hostErrorData, isPermanentDeviceError } from "../device/hostErrors.js";
import { BrowserThreads } from "./browserThreads.js";
import { executeCommand } from "./commandExecute.js";
import { deviceRefused, toCommandError } from "./commandErrors.js";
import type { CommandLog } from "./commandLog.js";
import type { CommandOutcome, CommandSource, DeviceCommand, HeartbeatResult, WorkspaceDeclaration } from "./commandSource.js";

export { REQUEST_EXPIRED } from "./commandErrors.js";
export { SERVE_META_KEY } from "./browserThreads.js";

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

/** See the module comment. */
export class CommandLoop {
  private readonly threads: BrowserThreads;
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
    this.threads = new BrowserThreads({
      ...options,
      log: this.log,
      onNotification: (thread, method, params) => {
        options.onNotification?.(thread.threadId, method, params);
        if (method === "turn/completed" || method === "serverRequest/resolved") queueMicrotask(() => this.pump());
      },
    });
    this.slots.attachServe({ inUse: () => this.threads.loadedCount() + this.pendingLoads, reclaimIdle: () => this.stopIdle("its slot was needed for a job") });
  }

  private get commandContext() {
    const { commandLog, broker, openHandle } = this.options;
    return { threads: this.threads, workspaceIds: () => this.workspaceIds, commandLog, broker, openHandle };
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
    return this.threads.runningThreadIds();
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
    await this.threads.unloadAll(`the bridge was stopped (${reason})`);
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

  /** Whether a thread could load now: a slot is free (jobs and browser threads count together), or an idle thread can give its up. */
  private slotAvailable(): boolean {
    return this.slots.inUse() < this.slots.max || this.threads.hasIdle();
  }

  /** Makes room for one more codex (this command's load is counted already): stops the idle thread used longest ago. */
  private async makeRoom(): Promise<void> {
    if (this.slots.inUse() <= this.slots.max) return;
    await this.stopIdle("its slot was needed for another thread");
  }

  /** Stops the idle browser thread used longest ago. @returns whether one was stopped. */
  private async stopIdle(reason: string): Promise<boolean> {
    if (this.stopped) return false;
    return this.threads.stopIdle(reason, this.slots.max);
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
      outcome = { result: await executeCommand(claimed, where, this.commandContext) };
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
    const sessionId = where.sessionId ?? (threadId ? this.threads.sessionOfThread(threadId) : undefined);
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

  /** Finishes and reports what a dead bridge left in the command log. */
  private recover(): void {
    for (const entry of this.options.commandLog.recover()) {
      this.handled.add(entry.commandId);
      let outcome = entry.outcome ?? {};
      if (outcome.result && !outcome.result.threadId && entry.sessionId) {
        // A thread started just before the crash: its id is in the session's progress.
        const threadId = this.threads.sessionThread(entry.sessionId);
        if (threadId) outcome = { result: { ...outcome.result, threadId } };
      }
      this.log.info(`command ${entry.commandId} (${entry.kind}) left by an earlier bridge: reported ${outcome.error ? `failed [${outcome.error.code}]` : "done"}`);
      const run = this.finish(entry.commandId, entry.kind, outcome, { threadId: entry.threadId ?? undefined, sessionId: entry.sessionId ?? undefined }).finally(() =>
        this.inflight.delete(run),
      );
      this.inflight.add(run);
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
    this.workspaceIds = new Map(answer.workspaces.filter((w) => this.threads.declared(w.path)).map((w) => [w.workspaceId, path.resolve(w.path)]));
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}
