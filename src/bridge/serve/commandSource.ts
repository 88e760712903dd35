/**
 * The bridge's side of the device interface (see `SPEC-issue9.md`): the
 * commands a browser queued for this device, and the host functions that hand
 * them out. Production implements {@link CommandSource} with `ConvexClient`
 * (`convexCommandSource.ts`); tests with an in-memory fake.
 */

/** Kinds of commands a browser can queue for a device. */
export const COMMAND_KINDS = [
  "startThread",
  "sendMessage",
  "interruptTurn",
  "answerServerRequest",
  "archiveThread",
  "unarchiveThread",
  "renameThread",
  "forkThread",
  "rollbackThread",
] as const;

/** One of {@link COMMAND_KINDS}. */
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** Where a command is in the host's table. */
export type CommandStatus = "queued" | "claimed" | "done" | "failed" | "expired";

/** What a finished command produced. */
export type CommandResult = { threadId?: string; turnId?: string };

/** Why a command failed: a stable code and a message that says what to do next. */
export type CommandError = { code: string; message: string };

/** A command as the host returns it (`listDeviceCommands`, `claimCommand`). Times in ms since the Unix epoch. */
export type DeviceCommand = {
  commandId: string;
  idempotencyKey: string;
  deviceId: string;
  /** The thread it acts on (all kinds but `startThread`). */
  threadId?: string;
  kind: string;
  /** The kind's arguments, as a JSON string (validated by `commandArgs.ts`). */
  args: string;
  status: CommandStatus;
  createdAt: number;
  expiresAt: number;
  claimedAt?: number;
  leaseExpiresAt?: number;
  finishedAt?: number;
  result?: CommandResult;
  error?: CommandError;
};

/** The outcome the bridge reports with `completeCommand`: a result (done) or an error (failed). */
export type CommandOutcome = { result?: CommandResult; error?: CommandError };

/** A working directory the bridge lets browsers start threads in. */
export type WorkspaceDeclaration = { path: string; label?: string };

/** Arguments of `deviceHeartbeat` (the secret is the source's business). */
export type HeartbeatArgs = {
  codexVersion?: string;
  hostname?: string;
  workspaces: WorkspaceDeclaration[];
  runningThreadIds: string[];
};

/** Answer of `deviceHeartbeat`: the ids the host gave the declared workspaces. */
export type HeartbeatResult = {
  deviceId: string;
  workspaces: Array<{ workspaceId: string; path: string }>;
  serverTime: number;
};

/** The host functions serve mode uses; every call authenticates the device. */
export interface CommandSource {
  /** `deviceHeartbeat`. @throws the host's error (e.g. `DEVICE_REVOKED`). */
  heartbeat(args: HeartbeatArgs): Promise<HeartbeatResult>;
  /**
   * Subscribes to `listDeviceCommands`: `onCommands` gets the device's queued
   * commands (oldest first) now and after every change, across reconnects.
   * @returns a function that ends the subscription.
   */
  subscribe(onCommands: (commands: DeviceCommand[]) => void, onError: (error: unknown) => void): () => void;
  /** `claimCommand`: `queued` → `claimed`, exactly once; null when it was not queued any more. */
  claim(commandId: string, leaseMs: number): Promise<DeviceCommand | null>;
  /** `completeCommand`: `claimed` → `done` / `failed`. Idempotent for the same outcome. */
  complete(commandId: string, outcome: CommandOutcome): Promise<void>;
  /** Closes connections. */
  close(): Promise<void>;
}
