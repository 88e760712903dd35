/**
 * An in-memory stand-in for the host's device-command functions (the
 * interface in SPEC-issue9.md): the "browser" queues commands, the bridge's
 * {@link CommandSource} subscribes, claims (exactly once: `queued` → `claimed`)
 * and completes them. It keeps every command and every call, so tests can
 * check that nothing was claimed or run twice. It is not the component; the
 * real functions are tested with convex-test.
 */
import { randomUUID } from "node:crypto";
import type {
  CommandOutcome,
  CommandSource,
  DeviceCommand,
  HeartbeatArgs,
  HeartbeatResult,
} from "../../src/bridge/serve/commandSource.js";

/** How often {@link FakeCommandHost.waitFor} looks again without a change, in ms. */
export const WAIT_POLL_MS = 10;

/** A command as the fake host stores it, with when it was queued and finished (ms, `performance.now()` clock). */
export type StoredCommand = DeviceCommand & { queuedAtPerf: number; finishedAtPerf?: number };

/** See the module comment. */
export class FakeCommandHost {
  readonly commands = new Map<string, StoredCommand>();
  readonly claims: string[] = [];
  readonly completions: Array<{ commandId: string; outcome: CommandOutcome }> = [];
  readonly heartbeats: HeartbeatArgs[] = [];
  private readonly listeners = new Set<(commands: DeviceCommand[]) => void>();
  private readonly byKey = new Map<string, string>();
  private readonly waiters = new Set<() => void>();
  /** Set to make every call fail with this `{ code, message }` (e.g. `DEVICE_REVOKED`). */
  refuseWith: { code: string; message: string } | null = null;
  /** Called inside `claim`, after the claim was made and before it answers (tests kill the bridge here). */
  onClaim: ((command: DeviceCommand) => void) | null = null;

  constructor(readonly deviceId = "device-1") {}

  /**
   * The browser queues a command (`args` as an object; stored as JSON like the host does).
   * Sending an idempotency key again returns the first command.
   */
  queue(kind: string, args: Record<string, unknown>, options: { threadId?: string; idempotencyKey?: string } = {}): string {
    const idempotencyKey = options.idempotencyKey ?? randomUUID();
    const existing = this.byKey.get(idempotencyKey);
    if (existing) return existing;
    const commandId = `cmd_${this.commands.size + 1}_${randomUUID().slice(0, 6)}`;
    const now = Date.now();
    this.commands.set(commandId, {
      commandId,
      idempotencyKey,
      deviceId: this.deviceId,
      ...(options.threadId ? { threadId: options.threadId } : {}),
      kind,
      args: JSON.stringify(args),
      status: "queued",
      createdAt: now,
      expiresAt: now + 10 * 60_000,
      queuedAtPerf: performance.now(),
    });
    this.byKey.set(idempotencyKey, commandId);
    this.publish();
    return commandId;
  }

  /** The device's queued commands, oldest first, as `listDeviceCommands` returns them. */
  queued(): DeviceCommand[] {
    return [...this.commands.values()].filter((c) => c.status === "queued").map(({ queuedAtPerf: _q, finishedAtPerf: _f, ...c }) => c);
  }

  /** Resolves once `predicate` holds (checked after every change and every {@link WAIT_POLL_MS}), or rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 60_000, what = "the condition"): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        done();
        resolve();
      };
      const poll = setInterval(check, WAIT_POLL_MS);
      this.waiters.add(check);
    });
  }

  /** Waits until the command is done or failed; returns it. */
  async finished(commandId: string, timeoutMs = 60_000): Promise<StoredCommand> {
    await this.waitFor(() => ["done", "failed"].includes(this.commands.get(commandId)?.status ?? ""), timeoutMs, `command ${commandId} to finish`);
    return this.commands.get(commandId) as StoredCommand;
  }

  /** Runs the waiters (call after changing something from outside, e.g. in a test's own hook). */
  notify(): void {
    for (const check of [...this.waiters]) check();
  }

  /** The {@link CommandSource} a bridge uses against this host. */
  source(): CommandSource {
    const fail = () => {
      if (this.refuseWith) throw Object.assign(new Error(this.refuseWith.message), { name: "ConvexError", data: this.refuseWith });
    };
    return {
      heartbeat: async (args: HeartbeatArgs): Promise<HeartbeatResult> => {
        fail();
        this.heartbeats.push(args);
        this.notify();
        return { deviceId: this.deviceId, workspaces: args.workspaces.map((w, i) => ({ workspaceId: `ws_${i}`, path: w.path })), serverTime: Date.now() };
      },
      subscribe: (onCommands) => {
        this.listeners.add(onCommands);
        queueMicrotask(() => onCommands(this.queued()));
        return () => this.listeners.delete(onCommands);
      },
      claim: async (commandId, leaseMs) => {
        fail();
        this.claims.push(commandId);
        const command = this.commands.get(commandId);
        if (!command || command.status !== "queued") return null;
        command.status = "claimed";
        command.claimedAt = Date.now();
        command.leaseExpiresAt = Date.now() + leaseMs;
        this.publish();
        this.onClaim?.(command);
        const { queuedAtPerf: _q, finishedAtPerf: _f, ...plain } = command;
        return plain;
      },
      complete: async (commandId, outcome) => {
        fail();
        this.completions.push({ commandId, outcome });
        const command = this.commands.get(commandId);
        if (!command) throw Object.assign(new Error("no such command"), { name: "ConvexError", data: { code: "COMMAND_NOT_FOUND", message: "no such command" } });
        if (command.status === "claimed") {
          command.status = outcome.error ? "failed" : "done";
          command.finishedAt = Date.now();
          command.finishedAtPerf = performance.now();
          if (outcome.result) command.result = outcome.result;
          if (outcome.error) command.error = outcome.error;
        }
        this.publish();
      },
      close: async () => {},
    };
  }

  private publish(): void {
    const queued = this.queued();
    for (const listener of this.listeners) listener(queued);
    this.notify();
  }
}
