/**
 * Paired devices (bridges): the browser lists, renames and revokes them; the
 * bridge authenticates with its secret and reports its presence by heartbeat
 * (codex version, declared workspaces, running threads).
 */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { internal } from "./_generated/api.js";
import { internalMutation, mutation, query } from "./_generated/server.js";
import { codexError } from "../src/shared/errors.js";
import {
  COMMAND_RETENTION_MS,
  MAX_CODEX_ID_CHARS,
  DEVICE_ONLINE_WINDOW_MS,
  MAX_CODEX_VERSION_CHARS,
  MAX_DEVICE_WORKSPACES,
  MAX_DEVICES_LISTED,
  MAX_RUNNING_THREADS_REPORTED,
  MAX_WORKSPACE_PATH_CHARS,
} from "../src/shared/limits.js";
import {
  type Device,
  vDevice,
  vDeviceIdentity,
  vHeartbeatArgs,
  vHeartbeatResult,
} from "../src/shared/validators.js";
import { deviceBySecret, ownedDevice } from "./lib/deviceAuth.js";
import { checkLength, checkName } from "./lib/deviceFields.js";
import { sha256Hex } from "./lib/secrets.js";

/** Most queued commands `revoke` fails at once (the rest expire unclaimed, and cannot be claimed). */
const MAX_COMMANDS_FAILED_ON_REVOKE = 256;

/** A device as the browser sees it: never its secret hash. */
export function toDevice(doc: Doc<"devices">): Device {
  return {
    deviceId: doc._id,
    name: doc.name,
    hostname: doc.hostname,
    createdAt: doc.createdAt,
    lastSeenAt: doc.lastSeenAt,
    revokedAt: doc.revokedAt,
    online: doc.online === true && doc.revokedAt === undefined,
    codexVersion: doc.codexVersion,
    workspaces: doc.workspaces,
    runningThreadIds: doc.runningThreadIds,
  };
}

/**
 * The caller's devices, newest first, revoked ones included (with `revokedAt`).
 * @param userId - Owner, as the host app derived it from auth.
 * @returns at most `MAX_DEVICES_LISTED` devices; `online` means a heartbeat within `DEVICE_ONLINE_WINDOW_MS`.
 */
export const list = query({
  args: { userId: v.string() },
  returns: v.array(vDevice),
  handler: async (ctx, args) => {
    const rows = await ctx.db
      .query("devices")
      .withIndex("by_userId", (q) => q.eq("userId", args.userId))
      .order("desc")
      .take(MAX_DEVICES_LISTED);
    return rows.map(toDevice);
  },
});

/**
 * Renames one of the caller's devices.
 * @param deviceId - From `listDevices`.
 * @param name - 1 to 128 characters, not blank.
 * @throws ConvexError DEVICE_NOT_FOUND; INVALID_ARGUMENT for a bad name.
 */
export const rename = mutation({
  args: { userId: v.string(), deviceId: v.string(), name: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    checkName(args.name, "name");
    const device = await ownedDevice(ctx, args.userId, args.deviceId);
    await ctx.db.patch("devices", device._id, { name: args.name });
    return null;
  },
});

/**
 * Revokes one of the caller's devices: its next call gets DEVICE_REVOKED, and
 * its queued commands fail with DEVICE_REVOKED (up to `MAX_COMMANDS_FAILED_ON_REVOKE`
 * at once; any others expire unclaimed). Revoking twice is a no-op.
 * @param deviceId - From `listDevices`.
 * @throws ConvexError DEVICE_NOT_FOUND.
 */
export const revoke = mutation({
  args: { userId: v.string(), deviceId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const device = await ownedDevice(ctx, args.userId, args.deviceId);
    if (device.revokedAt !== undefined) return null;
    const now = Date.now();
    await ctx.db.patch("devices", device._id, { revokedAt: now, online: false });
    // Its queued commands will never run: say so now rather than at their expiry.
    const queued = await ctx.db
      .query("commands")
      .withIndex("by_deviceId_status", (q) => q.eq("deviceId", device._id).eq("status", "queued"))
      .take(MAX_COMMANDS_FAILED_ON_REVOKE);
    for (const command of queued) {
      await ctx.db.patch("commands", command._id, {
        status: "failed",
        finishedAt: now,
        error: { code: "DEVICE_REVOKED", message: `Device "${device.name}" was revoked before it ran this command.` },
      });
      await ctx.scheduler.runAfter(COMMAND_RETENTION_MS, internal.commands.purge, { commandId: command._id });
    }
    return null;
  },
});

/**
 * The owner and id of the device with this secret (for the host's
 * device-authenticated `ensureSession` / `ingestSafe`).
 * @throws ConvexError DEVICE_UNKNOWN, DEVICE_REVOKED.
 */
export const authenticate = query({
  args: { deviceSecret: v.string() },
  returns: vDeviceIdentity,
  handler: async (ctx, args) => {
    const device = await deviceBySecret(ctx, args.deviceSecret);
    return { userId: device.userId, deviceId: device._id };
  },
});

/**
 * Records that the device with this secret runs bridge session `sessionId`,
 * so commands on the session's threads go to it. Called by the host's
 * `ensureSession` after the session exists.
 * @throws ConvexError DEVICE_UNKNOWN, DEVICE_REVOKED; SESSION_NOT_FOUND; SESSION_MISMATCH when the session
 *   is another user's or already bound to another device.
 */
export const attachSession = mutation({
  args: { deviceSecret: v.string(), sessionId: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const device = await deviceBySecret(ctx, args.deviceSecret);
    const session = await ctx.db
      .query("sessions")
      .withIndex("by_userId_sessionId", (q) => q.eq("userId", device.userId).eq("sessionId", args.sessionId))
      .unique();
    if (session === null) throw codexError("SESSION_NOT_FOUND", `Session ${args.sessionId} is unknown; call ensureSession first.`);
    if (session.userId !== device.userId || (session.deviceId !== undefined && session.deviceId !== device._id)) {
      throw codexError("SESSION_MISMATCH", `Session ${args.sessionId} belongs to another user or device; start a new outbox on this device.`);
    }
    if (session.deviceId === undefined) await ctx.db.patch("sessions", session._id, { deviceId: device._id });
    return null;
  },
});

/** A workspace's id: stable for one device and path, so re-declaring keeps it. */
async function workspaceId(deviceId: string, path: string): Promise<string> {
  return `ws_${(await sha256Hex(`${deviceId}\n${path}`)).slice(0, 20)}`;
}

/**
 * The bridge's presence report, at start and every `DEVICE_HEARTBEAT_MS`:
 * marks the device online (until `DEVICE_ONLINE_WINDOW_MS` without another)
 * and replaces its workspaces and running threads.
 * @param workspaces - The working directories `startThread` may use (≤ 64; path ≤ 4096 chars, label ≤ 128).
 * @param runningThreadIds - Threads codex runs now (≤ 256).
 * @returns `{ deviceId, workspaces: [{workspaceId, path}], serverTime }`.
 * @throws ConvexError DEVICE_UNKNOWN, DEVICE_REVOKED; INVALID_ARGUMENT when a list or field is too long.
 */
export const heartbeat = mutation({
  args: vHeartbeatArgs,
  returns: vHeartbeatResult,
  handler: async (ctx, args) => {
    const device = await deviceBySecret(ctx, args.deviceSecret);
    if (args.workspaces.length > MAX_DEVICE_WORKSPACES) {
      throw codexError("INVALID_ARGUMENT", `A device declares at most ${MAX_DEVICE_WORKSPACES} workspaces; got ${args.workspaces.length}.`);
    }
    if (args.runningThreadIds.length > MAX_RUNNING_THREADS_REPORTED) {
      throw codexError("INVALID_ARGUMENT", `A heartbeat reports at most ${MAX_RUNNING_THREADS_REPORTED} running threads; got ${args.runningThreadIds.length}.`);
    }
    if (args.codexVersion !== undefined) checkLength(args.codexVersion, "codexVersion", MAX_CODEX_VERSION_CHARS);
    if (args.hostname !== undefined) checkName(args.hostname, "hostname");
    for (const id of args.runningThreadIds) checkLength(id, "a running thread id", MAX_CODEX_ID_CHARS);
    const workspaces = [];
    const seen = new Set<string>();
    for (const w of args.workspaces) {
      if (w.path.length === 0) throw codexError("INVALID_ARGUMENT", "A workspace path must not be empty.");
      checkLength(w.path, "a workspace path", MAX_WORKSPACE_PATH_CHARS);
      if (w.label !== undefined) checkName(w.label, "a workspace label");
      if (seen.has(w.path)) continue;
      seen.add(w.path);
      workspaces.push({ workspaceId: await workspaceId(device._id, w.path), path: w.path, ...(w.label ? { label: w.label } : {}) });
    }
    const now = Date.now();
    const patch: Partial<Doc<"devices">> = {
      lastSeenAt: now,
      online: true,
      workspaces,
      runningThreadIds: args.runningThreadIds,
      ...(args.codexVersion !== undefined ? { codexVersion: args.codexVersion } : {}),
      ...(args.hostname !== undefined ? { hostname: args.hostname } : {}),
    };
    if (device.presenceCheckAt === undefined) {
      await ctx.scheduler.runAfter(DEVICE_ONLINE_WINDOW_MS, internal.devices.checkPresence, { deviceId: device._id });
      patch.presenceCheckAt = now + DEVICE_ONLINE_WINDOW_MS;
    }
    await ctx.db.patch("devices", device._id, patch);
    return { deviceId: device._id, workspaces: workspaces.map(({ workspaceId, path }) => ({ workspaceId, path })), serverTime: now };
  },
});

/**
 * Presence check, run by the scheduler: marks the device offline once
 * `DEVICE_ONLINE_WINDOW_MS` passed since its last heartbeat, else checks again then.
 * At most one check is pending per device (`presenceCheckAt`).
 */
export const checkPresence = internalMutation({
  args: { deviceId: v.id("devices") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const device = await ctx.db.get("devices", args.deviceId);
    if (device === null) return null;
    const now = Date.now();
    const due = (device.lastSeenAt ?? 0) + DEVICE_ONLINE_WINDOW_MS;
    if (now >= due || device.revokedAt !== undefined) {
      await ctx.db.patch("devices", device._id, { online: false, runningThreadIds: [], presenceCheckAt: undefined });
      return null;
    }
    await ctx.scheduler.runAt(due, internal.devices.checkPresence, { deviceId: device._id });
    await ctx.db.patch("devices", device._id, { presenceCheckAt: due });
    return null;
  },
});
