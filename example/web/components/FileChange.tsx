import { parsePatch } from "diff";
import type { UIMessage } from "../../../src/react/index.js";
import { StatusBadge } from "./StatusBadge.js";

/** One changed file as the component stores it: `*** <kind> <path>` then its unified diff. */
type Change = { header: string; diff: string };

function splitChanges(text: string): Change[] {
  const changes: Change[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("*** ")) changes.push({ header: line.slice(4), diff: "" });
    else if (changes.length > 0) changes[changes.length - 1]!.diff += `${line}\n`;
    else changes.push({ header: "change", diff: `${line}\n` });
  }
  return changes;
}

/** Diff lines with their kind, parsed by jsdiff; the raw text when it is not a unified diff. */
function diffLines(diff: string): { kind: "add" | "del" | "ctx" | "hunk"; text: string }[] {
  const [patch] = parsePatch(diff.includes("@@") ? diff : "");
  if (!patch || patch.hunks.length === 0) return diff.split("\n").filter(Boolean).map((text) => ({ kind: "add" as const, text: `+${text}` }));
  return patch.hunks.flatMap((hunk) => [
    { kind: "hunk" as const, text: `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@` },
    ...hunk.lines.map((text) => ({ kind: text.startsWith("+") ? ("add" as const) : text.startsWith("-") ? ("del" as const) : ("ctx" as const), text })),
  ]);
}

/** A file change: each file with its diff, added lines green and removed red. */
export function FileChange({ message }: { message: UIMessage }) {
  const changes = splitChanges(message.text ?? "");
  return (
    <div className="file-change">
      <div className="command-line">
        <span>Edited {message.paths?.join(", ") ?? "files"}</span>
        <StatusBadge status={message.status} streaming={message.streaming} />
      </div>
      {changes.map((change, index) => (
        <details key={index} open>
          <summary>{change.header}</summary>
          <pre className="diff">
            {diffLines(change.diff).map((line, i) => (
              <div key={i} className={`diff-${line.kind}`}>{line.text}</div>
            ))}
          </pre>
        </details>
      ))}
    </div>
  );
}
