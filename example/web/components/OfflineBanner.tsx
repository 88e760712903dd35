import type { Device } from "../../../src/react/index.js";

/** Says the thread's desktop is offline: commands queue and expire after 10 min unclaimed. */
export function OfflineBanner({ device }: { device: Device | undefined }) {
  if (!device || device.online) return null;
  return (
    <div className="banner" role="status">
      {device.revokedAt ? `${device.name} was revoked; pair it again to steer this thread.` : `${device.name} is offline: messages wait up to 10 minutes for it to come back.`}
    </div>
  );
}
