/** The signed-in user's paired devices (bridges): list with presence, pair, rename, revoke. */
import { useMutation, useQuery } from "convex/react";
import type { Device, PairingCode } from "../shared/validators.js";
import type { CreatePairingCodeMutation, ListDevicesQuery, RenameDeviceMutation, RevokeDeviceMutation } from "./steerTypes.js";

/** The host functions {@link useDevices} calls. */
export type DeviceFunctions = {
  listDevices: ListDevicesQuery;
  createPairingCode: CreatePairingCodeMutation;
  renameDevice: RenameDeviceMutation;
  revokeDevice: RevokeDeviceMutation;
};

export type UseDevicesResult = {
  /** Newest first, revoked ones included; undefined while loading. */
  devices: Device[] | undefined;
  /** Creates a pairing code (`XXXX-XXXX`, single use, 10 min) to type into `codex-convex pair <code>`. */
  pair: (name?: string) => Promise<PairingCode>;
  rename: (deviceId: string, name: string) => Promise<null>;
  /** The device's next call gets DEVICE_REVOKED; its bridge stops with a clear message. */
  revoke: (deviceId: string) => Promise<null>;
};

/**
 * The caller's devices and what to do with them. `online` is a heartbeat
 * within 45 s, so a UI can say "your desktop is offline" before queueing a
 * command (commands still queue, and expire after 10 min unclaimed).
 *
 * ```ts
 * const { devices, pair, rename, revoke } = useDevices({
 *   listDevices: api.codex.listDevices, createPairingCode: api.codex.createPairingCode,
 *   renameDevice: api.codex.renameDevice, revokeDevice: api.codex.revokeDevice,
 * });
 * const { code } = await pair("work laptop"); // show: codex-convex pair ${code}
 * const online = devices?.filter((d) => d.online && !d.revokedAt);
 * ```
 *
 * @param functions - The host's `listDevices`, `createPairingCode`, `renameDevice`, `revokeDevice`.
 * @returns `{ devices, pair(name?), rename(deviceId, name), revoke(deviceId) }`.
 */
export function useDevices(functions: DeviceFunctions): UseDevicesResult {
  const devices = useQuery(functions.listDevices, {});
  const create = useMutation(functions.createPairingCode);
  const renameDevice = useMutation(functions.renameDevice);
  const revokeDevice = useMutation(functions.revokeDevice);
  return {
    devices,
    pair: (name) => create(name === undefined ? {} : { name }),
    rename: (deviceId, name) => renameDevice({ deviceId, name }),
    revoke: (deviceId) => revokeDevice({ deviceId }),
  };
}
