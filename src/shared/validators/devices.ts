/** Validators of paired devices (bridges) and their presence. */
import { v, type Infer } from "convex/values";

/** A working directory a device declared; `startThread` names it by `workspaceId`, never by path. */
export const vWorkspace = v.object({
  workspaceId: v.string(),
  path: v.string(),
  label: v.optional(v.string()),
});
export type Workspace = Infer<typeof vWorkspace>;

/** A workspace as the bridge declares it in `deviceHeartbeat` (the component assigns the id). */
export const vDeclaredWorkspace = v.object({ path: v.string(), label: v.optional(v.string()) });
export type DeclaredWorkspace = Infer<typeof vDeclaredWorkspace>;

/** Arguments of a device's heartbeat (`deviceHeartbeat` in the host, `devices.heartbeat` in the component). */
export const vHeartbeatArgs = {
  deviceSecret: v.string(),
  codexVersion: v.optional(v.string()),
  hostname: v.optional(v.string()),
  workspaces: v.array(vDeclaredWorkspace),
  runningThreadIds: v.array(v.string()),
};

/**
 * A paired device as `listDevices` returns it: never its secret nor the
 * secret's hash. Times are milliseconds since the Unix epoch.
 */
export const vDevice = v.object({
  deviceId: v.string(),
  name: v.string(),
  hostname: v.optional(v.string()),
  createdAt: v.number(),
  lastSeenAt: v.optional(v.number()),
  revokedAt: v.optional(v.number()),
  /** A heartbeat within `DEVICE_ONLINE_WINDOW_MS` (and not revoked). */
  online: v.boolean(),
  codexVersion: v.optional(v.string()),
  workspaces: v.array(vWorkspace),
  runningThreadIds: v.array(v.string()),
});
export type Device = Infer<typeof vDevice>;

/** Answer of `createPairingCode`: the code as shown (`XXXX-XXXX`) and when it stops working. */
export const vPairingCode = v.object({ code: v.string(), expiresAt: v.number() });
export type PairingCode = Infer<typeof vPairingCode>;

/** Answer of `redeemPairingCode`: the only time the secret leaves the server. */
export const vRedeemedDevice = v.object({ deviceId: v.string(), deviceSecret: v.string() });
export type RedeemedDevice = Infer<typeof vRedeemedDevice>;

/** Answer of `deviceHeartbeat`. */
export const vHeartbeatResult = v.object({
  deviceId: v.string(),
  workspaces: v.array(v.object({ workspaceId: v.string(), path: v.string() })),
  serverTime: v.number(),
});
export type HeartbeatResult = Infer<typeof vHeartbeatResult>;

/** Who a device secret belongs to, as the component derived it. */
export const vDeviceIdentity = v.object({ userId: v.string(), deviceId: v.string() });
export type DeviceIdentity = Infer<typeof vDeviceIdentity>;
