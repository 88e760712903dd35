import type { UIMessage } from "../../../src/react/index.js";
import { CommandOutput } from "./CommandOutput.js";
import { StatusBadge } from "./StatusBadge.js";

/** A command codex ran: command line, cwd, exit code, duration, and its output (collapsible). */
export function CommandItem({ threadId, message }: { threadId: string; message: UIMessage }) {
  return (
    <div className="command">
      <div className="command-line">
        <code>$ {message.command ?? "(command)"}</code>
        <StatusBadge status={message.status} streaming={message.streaming} />
      </div>
      <div className="meta">
        {message.cwd ? <span>in {message.cwd}</span> : null}
        {message.exitCode !== undefined ? <span className={message.exitCode === 0 ? "ok" : "bad"}>exit {message.exitCode}</span> : null}
        {message.durationMs !== undefined ? <span>{formatDuration(message.durationMs)}</span> : null}
      </div>
      {message.outputIncomplete ? (
        <p className="warning" role="status">
          Output incomplete: codex streamed {message.outputIncomplete.streamedBytes.toLocaleString()} bytes but reported{" "}
          {message.outputIncomplete.reportedBytes.toLocaleString()}; both are kept.
        </p>
      ) : null}
      <details open={message.streaming || message.status === "failed"}>
        <summary>Output</summary>
        <CommandOutput threadId={threadId} message={message} />
      </details>
    </div>
  );
}

/** "850 ms", "2.4 s", "3 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
