import { useState } from "react";
import type { Device } from "../../../src/react/index.js";

type Props = {
  device: Device;
  seen: string;
  rename: (deviceId: string, name: string) => Promise<null>;
  revoke: (deviceId: string) => Promise<null>;
};

/** One paired device: name (renamable), presence, workspaces, revoke (asks first). */
export function DeviceRow({ device, seen, rename, revoke }: Props) {
  const [name, setName] = useState(device.name);
  const revoked = device.revokedAt !== undefined;
  return (
    <li className={`device ${revoked ? "revoked" : ""}`} data-device-id={device.deviceId}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (name.trim() && name !== device.name) void rename(device.deviceId, name.trim());
        }}
      >
        <input aria-label="Device name" value={name} disabled={revoked} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="secondary" disabled={revoked || name === device.name}>Rename</button>
      </form>
      <span className="meta">
        <span className={`badge ${device.online ? "completed" : revoked ? "failed" : "idle"}`}>{revoked ? "revoked" : device.online ? "online" : "offline"}</span>
        {" "}seen {seen}{device.hostname ? ` · ${device.hostname}` : ""}
        {device.workspaces.length ? ` · ${device.workspaces.map((w) => w.label ?? w.path).join(", ")}` : ""}
      </span>
      {revoked ? null : (
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (window.confirm(`Revoke ${device.name}? Its bridge stops at its next call.`)) void revoke(device.deviceId);
          }}
        >
          Revoke
        </button>
      )}
    </li>
  );
}
