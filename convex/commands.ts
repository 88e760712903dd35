/**
 * Commands, browser → desktop. The browser queues them (each with its own
 * idempotency key); the device they are routed to lists its queued commands
 * (a reactive query the bridge subscribes to), claims each exactly once under
 * a lease, and completes it. Scheduled jobs expire queued commands after
 * `COMMAND_TTL_MS`, fail claimed ones whose lease ended (`BRIDGE_LOST`) and
 * delete finished ones after `COMMAND_RETENTION_MS`.
 */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { internal } from "./_generated/api.js";
import { internalMutation, mutation, query, type QueryCtx } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import {
  COMMAND_LEASE_MS,
  MAX_CODEX_ID_CHARS,
  COMMAND_RETENTION_MS,
  MAX_COMMAND_LEASE_MS,
  MAX_COMMAND_TEXT_CHARS,
  MAX_DEVICE_COMMANDS_LISTED,
  MAX_MODEL_NAME_CHARS,
  MAX_ROLLBACK_TURNS,
  MAX_SUMMARY_FIELD_CHARS,
  MAX_THREAD_NAME_CHARS,
  MIN_COMMAND_LEASE_MS,
} from "../src/shared/limits.js";
import { vCommand, vCommandError, vCommandReceipt, vCommandResult, vStartThreadArgs } from "../src/shared/validators.js";
import { earlierCommand, commandByKey, enqueue, threadDevice, toCommand } from "./lib/commandQueue.js";
import { deviceBySecret, ownedDevice } from "./lib/deviceAuth.js";
import { checkLength } from "./lib/deviceFields.js";

/** @throws ConvexError INVALID_ARGUMENT when `text` is empty or longer than `max`. */
function checkText(text: string, field: string, max: number): void {
  if (text.trim().length === 0) throw codexError("INVALID_ARGUMENT", `${field} must not be empty.`);
  checkLength(text, field, max);
}

/**
 * Queues `startThread` on one of the caller's devices, in a workspace that
 * device declared (by id: the browser never sends a path).
 * @param deviceId - From `listDevices`.
 * @param workspaceId - From the device's `workspaces`.
 * @param prompt - The first message (1..`MAX_COMMAND_TEXT_CHARS` chars).
 * @param model - Model name for codex (≤ 128 chars); codex's default when absent.
 * @returns `{ commandId, status }`; the thread id arrives in the command's `result.threadId`.
 * @throws ConvexError DEVICE_NOT_FOUND, DEVICE_REVOKED, WORKSPACE_NOT_FOUND, INVALID_ARGUMENT, IDEMPOTENCY_KEY_REUSED.
 */
export const startThread = mutation({
  args: { userId: v.string(), ...vStartThreadArgs },
  returns: vCommandReceipt,
  handler: async (ctx, args) => {
    const earlier = await earlierCommand(ctx, args.userId, args.idempotencyKey, "startThread");
    if (earlier) return earlier;
    checkText(args.prompt, "prompt", MAX_COMMAND_TEXT_CHARS);
    if (args.model !== undefined) checkText(args.model, "model", MAX_MODEL_NAME_CHARS);
    const device = await ownedDevice(ctx, args.userId, args.deviceId);
    const workspace = device.workspaces.find((w) => w.workspaceId === args.workspaceId);
    if (workspace === undefined) {
      throw codexError(
        "WORKSPACE_NOT_FOUND",
        `Device "${device.name}" did not declare workspace ${args.workspaceId}; pick one of its listed workspaces (the bridge declares them with --workspace).`,
      );
    }
    return enqueue(ctx, {
      userId: args.userId,
      idempotencyKey: args.idempotencyKey,
      device,
      kind: "startThread",
      args: { workspaceId: workspace.workspaceId, cwd: workspace.path, prompt: args.prompt, ...(args.model ? { model: args.model } : {}) },
    });
  },
});

/** What a command on an existing thread does, with its own arguments. */
const vThreadCommand = v.union(
  v.object({ kind: v.literal("sendMessage"), text: v.string() }),
  v.object({ kind: v.literal("interruptTurn") }),
  v.object({ kind: v.literal("archiveThread") }),
  v.object({ kind: v.literal("unarchiveThread") }),
  v.object({ kind: v.literal("forkThread") }),
  v.object({ kind: v.literal("renameThread"), name: v.string() }),
  v.object({ kind: v.literal("rollbackThread"), numTurns: v.number() }),
);

/**
 * Queues a command on one of the caller's threads, for the device that runs it:
 * `sendMessage` (`turn/start` when idle, `turn/steer` while a turn runs),
 * `interruptTurn`, `archiveThread`, `unarchiveThread`, `forkThread`,
 * `renameThread` (`name` ≤ 200 chars) or `rollbackThread` (`numTurns` 1..1000).
 * @returns `{ commandId, status }` (the earlier command's, when the key was used before).
 * @throws ConvexError THREAD_NOT_FOUND, THREAD_NOT_ON_DEVICE, DEVICE_REVOKED, INVALID_ARGUMENT, IDEMPOTENCY_KEY_REUSED.
 */
export const enqueueOnThread = mutation({
  args: { userId: v.string(), idempotencyKey: v.string(), threadId: v.string(), command: vThreadCommand },
  returns: vCommandReceipt,
  handler: async (ctx, args) => {
    const { command } = args;
    const earlier = await earlierCommand(ctx, args.userId, args.idempotencyKey, command.kind, args.threadId);
    if (earlier) return earlier;
    if (command.kind === "sendMessage") checkText(command.text, "text", MAX_COMMAND_TEXT_CHARS);
    if (command.kind === "renameThread") checkText(command.name, "name", MAX_THREAD_NAME_CHARS);
    if (command.kind === "rollbackThread" && (!Number.isInteger(command.numTurns) || command.numTurns < 1 || command.numTurns > MAX_ROLLBACK_TURNS)) {
      throw codexError("INVALID_ARGUMENT", `numTurns must be an integer from 1 to ${MAX_ROLLBACK_TURNS}; got ${command.numTurns}.`);
    }
    const { device, sessionId } = await threadDevice(ctx, args.userId, args.threadId);
    const { kind, ...rest } = command;
    return enqueue(ctx, {
      userId: args.userId,
      idempotencyKey: args.idempotencyKey,
      device,
      kind,
      threadId: args.threadId,
      sessionId,
      args: { threadId: args.threadId, ...rest },
    });
  },
});

/**
 * The caller's command with this idempotency key, to follow its status.
 * @returns the command, or null when the key is unknown.
 */
export const get = query({
  args: { userId: v.string(), idempotencyKey: v.string() },
  returns: v.union(v.null(), vCommand),
  handler: async (ctx, args) => {
    const doc = await commandByKey(ctx, args.userId, args.idempotencyKey);
    return doc === null ? null : toCommand(doc);
  },
});

/**
 * The queued commands of the device with this secret, oldest first (≤ 50).
 * The bridge subscribes to it (`ConvexClient.onUpdate`) and claims each.
 * @throws ConvexError DEVICE_UNKNOWN, DEVICE_REVOKED.
 */
export const listForDevice = query({
  args: { deviceSecret: v.string() },
  returns: v.array(vCommand),
  handler: async (ctx, args) => {
    const device = await deviceBySecret(ctx, args.deviceSecret);
    const rows = await ctx.db
      .query("commands")
      .withIndex("by_deviceId_status", (q) => q.eq("deviceId", device._id).eq("status", "queued"))
      .take(MAX_DEVICE_COMMANDS_LISTED);
    return rows.map(toCommand);
  },
});

/** The device's own command by id. @throws ConvexError COMMAND_NOT_FOUND (unknown, malformed or another device's). */
async function deviceCommand(
  ctx: QueryCtx,
  device: Doc<"devices">,
  commandId: string,
): Promise<Doc<"commands">> {
  const id = ctx.db.normalizeId("commands", commandId);
  const command = id === null ? null : await ctx.db.get("commands", id);
  if (command === null || command.deviceId !== device._id) {
    throw codexError("COMMAND_NOT_FOUND", `No command ${commandId} for this device.`);
  }
  return command;
}

/**
 * Claims a queued command for the device with this secret: atomically
 * `queued` → `claimed` with a lease. Exactly one claim succeeds.
 * @param leaseMs - The lease, 1000..600000 ms (default `COMMAND_LEASE_MS`, 60 s): complete the command
 *   within it, or it fails with BRIDGE_LOST.
 * @returns the claimed command, or null when it is already claimed, finished or expired.
 * @throws ConvexError DEVICE_UNKNOWN, DEVICE_REVOKED, COMMAND_NOT_FOUND, INVALID_ARGUMENT for a bad lease.
 */
export const claim = mutation({
  args: { deviceSecret: v.string(), commandId: v.string(), leaseMs: v.optional(v.number()) },
  returns: v.union(v.null(), vCommand),
  handler: async (ctx, args) => {
    const device = await deviceBySecret(ctx, args.deviceSecret);
    const leaseMs = args.leaseMs ?? COMMAND_LEASE_MS;
    if (!Number.isInteger(leaseMs) || leaseMs < MIN_COMMAND_LEASE_MS || leaseMs > MAX_COMMAND_LEASE_MS) {
      throw codexError("INVALID_ARGUMENT", `leaseMs must be an integer from ${MIN_COMMAND_LEASE_MS} to ${MAX_COMMAND_LEASE_MS}; got ${leaseMs}.`);
    }
    const command = await deviceCommand(ctx, device, args.commandId);
    const now = Date.now();
    if (command.status !== "queued" || command.expiresAt <= now) return null;
    const leaseExpiresAt = now + leaseMs;
    await ctx.db.patch("commands", command._id, { status: "claimed", claimedAt: now, leaseExpiresAt });
    await ctx.scheduler.runAt(leaseExpiresAt, internal.commands.endLease, { commandId: command._id });
    return toCommand((await ctx.db.get("commands", command._id))!);
  },
});

/** A finished command's error, with its code and message kept short. */
function shortError(error: { code: string; message: string }): { code: string; message: string } {
  return { code: error.code.slice(0, 64), message: error.message.slice(0, MAX_SUMMARY_FIELD_CHARS) };
}

/**
 * Completes a command the device claimed: `done` without `error`, `failed`
 * with it. The first completion wins (later ones are no-ops), except that a
 * command failed BRIDGE_LOST (its lease ended) takes the device's late real outcome.
 * @param result - `{ threadId?, turnId? }` the command started or touched.
 * @param error - `{ code, message }` when it failed (code ≤ 64 chars, message ≤ 2048 kept).
 * @throws ConvexError DEVICE_UNKNOWN, DEVICE_REVOKED, COMMAND_NOT_FOUND; INVALID_ARGUMENT when it was never
 *   claimed, or a result id is over `MAX_CODEX_ID_CHARS`.
 */
export const complete = mutation({
  args: {
    deviceSecret: v.string(),
    commandId: v.string(),
    result: v.optional(vCommandResult),
    error: v.optional(vCommandError),
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const device = await deviceBySecret(ctx, args.deviceSecret);
    if (args.result?.threadId !== undefined) checkLength(args.result.threadId, "result.threadId", MAX_CODEX_ID_CHARS);
    if (args.result?.turnId !== undefined) checkLength(args.result.turnId, "result.turnId", MAX_CODEX_ID_CHARS);
    const command = await deviceCommand(ctx, device, args.commandId);
    const lost = command.status === "failed" && command.error?.code === "BRIDGE_LOST";
    if (command.status === "queued" || command.status === "expired") {
      throw codexError("INVALID_ARGUMENT", `Command ${args.commandId} is ${command.status}, not claimed: claim it before completing it.`);
    }
    if (command.status !== "claimed" && !lost) return null;
    await ctx.db.patch("commands", command._id, {
      status: args.error ? "failed" : "done",
      finishedAt: Date.now(),
      result: args.result,
      error: args.error ? shortError(args.error) : undefined,
    });
    // A late outcome after BRIDGE_LOST: the deletion is already scheduled.
    if (!lost) await ctx.scheduler.runAfter(COMMAND_RETENTION_MS, internal.commands.purge, { commandId: command._id });
    return null;
  },
});

/** Expires a command still queued at its `expiresAt` (scheduled by enqueue). */
export const expire = internalMutation({
  args: { commandId: v.id("commands") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const command = await ctx.db.get("commands", args.commandId);
    if (command === null || command.status !== "queued") return null;
    const minutes = Math.round((command.expiresAt - command.createdAt) / 60_000);
    await ctx.db.patch("commands", command._id, {
      status: "expired",
      finishedAt: Date.now(),
      error: { code: "COMMAND_EXPIRED", message: `No bridge of this device claimed the command within ${minutes} min; start the bridge (codex-convex bridge --serve) and send it again.` },
    });
    await ctx.scheduler.runAfter(COMMAND_RETENTION_MS, internal.commands.purge, { commandId: command._id });
    return null;
  },
});

/** Fails a claimed command whose lease ended without completion (scheduled by claim). */
export const endLease = internalMutation({
  args: { commandId: v.id("commands") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const command = await ctx.db.get("commands", args.commandId);
    if (command === null || command.status !== "claimed" || (command.leaseExpiresAt ?? 0) > Date.now()) return null;
    await ctx.db.patch("commands", command._id, {
      status: "failed",
      finishedAt: Date.now(),
      error: { code: "BRIDGE_LOST", message: "The bridge stopped while running this command; look at the thread before sending it again." },
    });
    await ctx.scheduler.runAfter(COMMAND_RETENTION_MS, internal.commands.purge, { commandId: command._id });
    return null;
  },
});

/**
 * Deletes a finished command `COMMAND_RETENTION_MS` (7 days) after it finished;
 * from then on its idempotency key may be used again.
 */
export const purge = internalMutation({
  args: { commandId: v.id("commands") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const command = await ctx.db.get("commands", args.commandId);
    if (command !== null && command.status !== "queued" && command.status !== "claimed") await ctx.db.delete("commands", command._id);
    return null;
  },
});
