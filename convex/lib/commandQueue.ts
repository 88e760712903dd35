/**
 * The commands queue: idempotent insertion (one command per user and key),
 * expiry of queued commands, routing of a thread's commands to the device
 * that runs it, and the shape functions return.
 */
import type { Doc, Id } from "../_generated/dataModel.js";
import { internal } from "../_generated/api.js";
import type { MutationCtx, QueryCtx } from "../_generated/server.js";
import { codexError } from "../../src/shared/errors.js";
import { COMMAND_TTL_MS, MAX_IDEMPOTENCY_KEY_CHARS } from "../../src/shared/limits.js";
import type { Command, CommandKind, CommandReceipt } from "../../src/shared/validators.js";
import { ownedThread } from "../threads.js";

/** A command as functions return it (without its user). */
export function toCommand(doc: Doc<"commands">): Command {
  const { _id, _creationTime, userId, ...fields } = doc;
  void _creationTime; void userId;
  return { commandId: _id, ...fields };
}

/** @throws ConvexError INVALID_ARGUMENT when the key is empty or longer than `MAX_IDEMPOTENCY_KEY_CHARS`. */
function checkKey(key: string): void {
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_CHARS) {
    throw codexError("INVALID_ARGUMENT", `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY_CHARS} characters; got ${key.length}.`);
  }
}

/** The user's command with this idempotency key, if any. */
export async function commandByKey(ctx: QueryCtx, userId: string, key: string): Promise<Doc<"commands"> | null> {
  return ctx.db
    .query("commands")
    .withIndex("by_userId_idempotencyKey", (q) => q.eq("userId", userId).eq("idempotencyKey", key))
    .unique();
}

/**
 * The receipt of an earlier command with this key, when there is one: the
 * same key sent again never makes a second command.
 * @throws ConvexError INVALID_ARGUMENT for a bad key; IDEMPOTENCY_KEY_REUSED when the key named another kind or thread.
 */
export async function earlierCommand(
  ctx: QueryCtx,
  userId: string,
  key: string,
  kind: CommandKind,
  threadId?: string,
): Promise<CommandReceipt | null> {
  checkKey(key);
  const existing = await commandByKey(ctx, userId, key);
  if (existing === null) return null;
  if (existing.kind !== kind || (threadId !== undefined && existing.threadId !== threadId)) {
    throw codexError(
      "IDEMPOTENCY_KEY_REUSED",
      `idempotencyKey "${key}" was already used for a ${existing.kind} command; use a new key for a new command.`,
    );
  }
  return { commandId: existing._id, status: existing.status };
}

/** Queues a command for `device`; it expires after `COMMAND_TTL_MS` unless claimed. */
export async function enqueue(
  ctx: MutationCtx,
  fields: {
    userId: string;
    idempotencyKey: string;
    device: Doc<"devices">;
    kind: CommandKind;
    args: Record<string, unknown>;
    threadId?: string;
    sessionId?: string;
  },
): Promise<CommandReceipt> {
  if (fields.device.revokedAt !== undefined) {
    throw codexError("DEVICE_REVOKED", `Device "${fields.device.name}" was revoked; pair a device again to run commands.`);
  }
  const now = Date.now();
  const expiresAt = now + COMMAND_TTL_MS;
  const commandId = await ctx.db.insert("commands", {
    userId: fields.userId,
    idempotencyKey: fields.idempotencyKey,
    deviceId: fields.device._id,
    threadId: fields.threadId,
    sessionId: fields.sessionId,
    kind: fields.kind,
    args: JSON.stringify(fields.args),
    status: "queued",
    createdAt: now,
    expiresAt,
  });
  await ctx.scheduler.runAt(expiresAt, internal.commands.expire, { commandId });
  return { commandId, status: "queued" };
}

/**
 * The device that runs a thread (the device whose secret opened the thread's
 * session) and that session's id.
 * @throws ConvexError THREAD_NOT_FOUND (unknown or another user's); THREAD_NOT_ON_DEVICE when the session was
 *   opened with a user JWT; DEVICE_REVOKED when that device was revoked.
 */
export async function threadDevice(
  ctx: QueryCtx,
  userId: string,
  threadId: string,
): Promise<{ device: Doc<"devices">; sessionId: string }> {
  const thread = await ownedThread(ctx, userId, threadId);
  return sessionDevice(ctx, userId, thread.sessionId, `Thread ${threadId}`);
}

/** The device of the user's bridge session `sessionId`. @throws as {@link threadDevice}. */
export async function sessionDevice(
  ctx: QueryCtx,
  userId: string,
  sessionId: string,
  what: string,
): Promise<{ device: Doc<"devices">; sessionId: string }> {
  const session = await ctx.db
    .query("sessions")
    .withIndex("by_userId_sessionId", (q) => q.eq("userId", userId).eq("sessionId", sessionId))
    .unique();
  const deviceId: Id<"devices"> | undefined = session?.deviceId;
  const device = deviceId === undefined ? null : await ctx.db.get("devices", deviceId);
  if (device === null) {
    throw codexError(
      "THREAD_NOT_ON_DEVICE",
      `${what} runs on a bridge signed in with a user token, not a paired device, so it cannot take commands. Pair the desktop (codex-convex pair) and run it there.`,
    );
  }
  if (device.revokedAt !== undefined) {
    throw codexError("DEVICE_REVOKED", `${what} runs on device "${device.name}", which was revoked; pair it again to send commands.`);
  }
  return { device, sessionId };
}
