/** Validators of commands: what a browser asks a paired device to do. */
import { v, type Infer } from "convex/values";

/** queued → claimed → done | failed; queued → expired after `COMMAND_TTL_MS`. */
export const vCommandStatus = v.union(
  v.literal("queued"),
  v.literal("claimed"),
  v.literal("done"),
  v.literal("failed"),
  v.literal("expired"),
);
export type CommandStatus = Infer<typeof vCommandStatus>;

/** What a command does (see the spec's table of `args` per kind). */
export const vCommandKind = v.union(
  v.literal("startThread"),
  v.literal("sendMessage"),
  v.literal("interruptTurn"),
  v.literal("answerServerRequest"),
  v.literal("archiveThread"),
  v.literal("unarchiveThread"),
  v.literal("renameThread"),
  v.literal("forkThread"),
  v.literal("rollbackThread"),
);
export type CommandKind = Infer<typeof vCommandKind>;

/** A command's outcome: the thread and turn it started or touched. */
export const vCommandResult = v.object({ threadId: v.optional(v.string()), turnId: v.optional(v.string()) });
export type CommandResult = Infer<typeof vCommandResult>;

/** Why a command failed or expired (`BRIDGE_LOST`, `BRIDGE_RESTARTED`, `COMMAND_EXPIRED`, codex's error, ...). */
export const vCommandError = v.object({ code: v.string(), message: v.string() });
export type CommandError = Infer<typeof vCommandError>;

/** The fields of a command that functions return (the component also stores its user). */
export const vCommandFields = {
  idempotencyKey: v.string(),
  deviceId: v.string(),
  /** The thread it acts on (absent for `startThread` until it is done: see `result.threadId`). */
  threadId: v.optional(v.string()),
  /** The bridge session that created `threadId`, for the bridge to route it to its job. */
  sessionId: v.optional(v.string()),
  kind: vCommandKind,
  /** The kind's arguments as JSON; see the spec for each kind's shape. */
  args: v.string(),
  status: vCommandStatus,
  /** Milliseconds since the Unix epoch, as are the other times. */
  createdAt: v.number(),
  expiresAt: v.number(),
  claimedAt: v.optional(v.number()),
  leaseExpiresAt: v.optional(v.number()),
  finishedAt: v.optional(v.number()),
  result: v.optional(vCommandResult),
  error: v.optional(vCommandError),
};

/** A command as functions return it. */
export const vCommand = v.object({ commandId: v.string(), ...vCommandFields });
export type Command = Infer<typeof vCommand>;

/** The browser's arguments of `startThread` (the component's also take the caller's `userId`). */
export const vStartThreadArgs = {
  idempotencyKey: v.string(),
  deviceId: v.string(),
  workspaceId: v.string(),
  prompt: v.string(),
  model: v.optional(v.string()),
};

/** Answer of every command-creating mutation. */
export const vCommandReceipt = v.object({ commandId: v.string(), status: vCommandStatus });
export type CommandReceipt = Infer<typeof vCommandReceipt>;
