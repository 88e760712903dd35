import type { Device } from "../../../src/react/index.js";
import { threadState, timeAgo } from "../threadStatus.js";
import type { Thread } from "./types.js";

type Props = {
  threads: Thread[] | undefined;
  devices: Device[] | undefined;
  selected: string | null;
  onSelect: (threadId: string) => void;
};

/**
 * The user's threads, newest first: preview, cwd, device (the paired device
 * whose session runs it, else the one whose heartbeat lists it), state (from
 * codex's thread status and the newest turn's outcome), last activity.
 */
export function ThreadList({ threads, devices, selected, onSelect }: Props) {
  if (threads === undefined) return <p className="muted" role="status">Loading threads…</p>;
  if (threads.length === 0) return <p className="muted">No threads yet. Start one, or run codex through the bridge.</p>;
  return (
    <ul className="thread-list" aria-label="Threads">
      {threads.map((thread) => {
        const device =
          devices?.find((d) => thread.deviceId !== undefined && d.deviceId === thread.deviceId) ??
          devices?.find((d) => d.runningThreadIds.includes(thread.threadId));
        const state = threadState(thread, thread.lastTurn?.status);
        return (
          <li key={thread.threadId}>
            <button
              type="button"
              className={thread.threadId === selected ? "active" : ""}
              aria-current={thread.threadId === selected ? "true" : undefined}
              onClick={() => onSelect(thread.threadId)}
            >
              <span className="preview">{thread.name ?? thread.preview ?? "(no preview)"}</span>
              <span className="meta">{thread.cwd ?? ""}</span>
              <span className="meta">
                <span className={`badge ${state.replace(/ /g, "-")}`}>{state}</span>
                {device ? <span> · {device.name}</span> : null}
                <span> · {timeAgo(thread.updatedAt)}</span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
