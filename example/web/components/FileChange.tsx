import type { UIMessage } from "../../../src/react/index.js";
import { fileChangeFiles } from "./diff.js";
import { DiffView } from "./DiffView.js";
import { StatusBadge } from "./StatusBadge.js";

/**
 * A file change: each file with its kind and diff (an added file's content
 * as added lines, a deleted one's as removed lines), a diff that does not
 * parse as plain text. A long change's whole text is loaded by `useMessages`
 * (`fullText`); until then its head shows.
 */
export function FileChange({ message }: { message: UIMessage }) {
  return (
    <div className="file-change">
      <div className="command-line">
        <span>Edited {message.paths?.join(", ") ?? "files"}</span>
        <StatusBadge status={message.status} streaming={message.streaming} />
      </div>
      <DiffView files={fileChangeFiles(message.text ?? "", !message.textComplete)} />
      {message.textComplete ? null : <p className="muted" role="status">Loading the rest of this change…</p>}
    </div>
  );
}
