import { useState } from "react";
import { type PairingCode, useDevices } from "../../../src/react/index.js";
import { deviceFunctions } from "../api.js";
import { timeAgo } from "../threadStatus.js";
import { messageOf } from "./ApprovalCard.js";
import { DeviceRow } from "./DeviceRow.js";

/** Pair a desktop (a code to type into `codex-convex pair`), and list, rename or revoke devices. */
export function Pairing() {
  const { devices, pair, rename, revoke } = useDevices(deviceFunctions);
  const [code, setCode] = useState<PairingCode | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <section className="pairing" aria-label="Devices">
      <h2>Devices</h2>
      <p>Pair a desktop: create a code, then type on it:</p>
      {code ? (
        <pre className="output" aria-label="Pairing command">codex-convex pair {code.code}</pre>
      ) : null}
      {code ? <p className="muted">Single use; expires {new Date(code.expiresAt).toLocaleTimeString()}.</p> : null}
      <button type="button" className="primary" onClick={() => pair().then(setCode, (e: unknown) => setError(messageOf(e)))}>
        {code ? "New code" : "Create pairing code"}
      </button>
      {error ? <p className="error-text" role="alert">{error}</p> : null}
      {devices === undefined ? <p className="muted" role="status">Loading devices…</p> : null}
      {devices?.length === 0 ? <p className="muted">No device paired yet.</p> : null}
      <ul className="devices">
        {devices?.map((device) => (
          <DeviceRow key={device.deviceId} device={device} seen={device.lastSeenAt ? timeAgo(device.lastSeenAt) : "never"} rename={rename} revoke={revoke} />
        ))}
      </ul>
    </section>
  );
}
