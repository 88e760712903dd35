import { useQuery } from "convex/react";
import { useEffect, useState } from "react";
import { type Device, useCommand, useStartThread } from "../../../src/react/index.js";
import { codex } from "../api.js";
import { messageOf } from "./ApprovalCard.js";

/**
 * Start a thread: pick a device (offline ones marked: the command waits up to
 * 10 minutes for them) and one of its workspaces, type the first prompt; opens
 * the thread once the desktop started it and its first events arrived. A missing prompt, a refused start
 * and a command the desktop failed each say why, and Start works again.
 */
export function NewThread({ devices, onStarted }: { devices: Device[] | undefined; onStarted: (threadId: string) => void }) {
  const usable = (devices ?? []).filter((d) => !d.revokedAt && d.workspaces.length > 0);
  const [deviceId, setDeviceId] = useState("");
  const [workspaceId, setWorkspaceId] = useState("");
  const [prompt, setPrompt] = useState("");
  const [key, setKey] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const start = useStartThread(codex.startThread);
  const command = useCommand(codex.getCommand, key ?? "skip");
  const device = usable.find((d) => d.deviceId === deviceId) ?? usable[0];
  const workspace = device?.workspaces.find((w) => w.workspaceId === workspaceId) ?? device?.workspaces[0];
  const threadId = command?.result?.threadId;
  // The bridge reports the new thread's id as soon as codex started it; its first events follow
  // through the outbox, so the thread is opened once the deployment has it.
  const thread = useQuery(codex.getThread, threadId ? { threadId } : "skip");
  useEffect(() => {
    if (threadId && thread) onStarted(threadId);
  }, [threadId, thread, onStarted]);
  // A start is under way from Start until the command failed or expired (or the start was refused: no key then).
  const starting = key !== null && command?.status !== "failed" && command?.status !== "expired";
  if (devices === undefined) return <p className="muted" role="status">Loading devices…</p>;
  if (usable.length === 0) return <p className="muted">No paired device with a workspace. Pair your desktop first (Devices).</p>;
  return (
    <form
      className="new-thread"
      aria-label="New thread"
      onSubmit={(event) => {
        event.preventDefault();
        if (!device || !workspace) return setError("Pick a device and one of its workspaces first.");
        if (!prompt.trim()) return setError("Write a prompt first: what should codex do?");
        const idempotencyKey = crypto.randomUUID();
        setKey(idempotencyKey);
        setError(null);
        start({ idempotencyKey, deviceId: device.deviceId, workspaceId: workspace.workspaceId, prompt: prompt.trim() }).catch((e: unknown) => {
          setKey(null);
          setError(messageOf(e));
        });
      }}
    >
      <h2>New thread</h2>
      <label>
        Device
        <select value={device?.deviceId} onChange={(e) => setDeviceId(e.target.value)}>
          {usable.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>{d.name}{d.online ? "" : " (offline)"}</option>
          ))}
        </select>
      </label>
      <label>
        Workspace
        <select value={workspace?.workspaceId} onChange={(e) => setWorkspaceId(e.target.value)}>
          {device?.workspaces.map((w) => (
            <option key={w.workspaceId} value={w.workspaceId}>{w.label ?? w.path}</option>
          ))}
        </select>
      </label>
      <label>
        Prompt
        <textarea value={prompt} rows={3} onChange={(e) => setPrompt(e.target.value)} placeholder="What should codex do?" />
      </label>
      <button type="submit" className="primary" disabled={starting}>
        Start
      </button>
      {command ? (
        <p className="muted" role="status">
          Command {command.status}
          {command.error ? `: ${command.error.message}` : ""}
          {threadId && !thread ? ": waiting for the thread's first events…" : ""}
        </p>
      ) : null}
      {error ? <p className="error-text" role="alert">{error}</p> : null}
    </form>
  );
}
