import { useRef } from "react";
import type { Device } from "../../src/react/index.js";

/**
 * The device that runs a thread, for the offline banner: the one whose
 * heartbeat lists the thread now, else the last one this page saw running it
 * (a device that fell silent is marked offline with no running threads, and
 * a thread does not name its device).
 *
 * @param devices - `useDevices().devices`.
 * @param threadId - The open thread, or null.
 * @returns the device, or undefined when none was seen running the thread.
 */
export function useThreadDevice(devices: Device[] | undefined, threadId: string | null): Device | undefined {
  const lastSeen = useRef(new Map<string, string>());
  for (const device of devices ?? []) {
    for (const id of device.runningThreadIds) lastSeen.current.set(id, device.deviceId);
  }
  if (threadId === null) return undefined;
  const deviceId = lastSeen.current.get(threadId);
  return devices?.find((d) => d.deviceId === deviceId);
}
