import { useRef } from "react";
import type { Device } from "../../src/react/index.js";

/**
 * The device that runs a thread, for the offline banner: the paired device
 * whose bridge session runs it (the thread's `deviceId`, which the component
 * only ever gives for the caller's own devices, so it holds after a reload),
 * else the one whose heartbeat lists the thread now, else the last one this
 * page saw running it (a device that fell silent is marked offline with no
 * running threads).
 *
 * @param devices - `useDevices().devices`.
 * @param threadId - The open thread, or null.
 * @param threadDeviceId - The open thread's `deviceId` (from `getThread`/`listThreads`), when known.
 * @returns the device, or undefined when none is known for the thread.
 */
export function useThreadDevice(devices: Device[] | undefined, threadId: string | null, threadDeviceId?: string): Device | undefined {
  const lastSeen = useRef(new Map<string, string>());
  for (const device of devices ?? []) {
    for (const id of device.runningThreadIds) lastSeen.current.set(id, device.deviceId);
  }
  if (threadId === null) return undefined;
  const owner = threadDeviceId === undefined ? undefined : devices?.find((d) => d.deviceId === threadDeviceId);
  if (owner !== undefined) return owner;
  const running = devices?.find((d) => d.runningThreadIds.includes(threadId));
  if (running !== undefined) return running;
  const deviceId = lastSeen.current.get(threadId);
  return devices?.find((d) => d.deviceId === deviceId);
}
