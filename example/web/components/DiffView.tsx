import { useState } from "react";
import type { DiffLine, ShownFile } from "./diff.js";

/** Diff lines shown before "Show all" (all files together). */
export const DIFF_LINES_SHOWN = 120;

/** Loads the rest of a diff the page carries only the head of. */
export type MoreDiff = { label: string; busy: boolean; load: () => void };

/**
 * A diff, file by file (each a region named by its path): added lines as
 * `<ins>`, removed ones as `<del>` (green and red; screen readers say
 * "insertion" and "deletion"), context plain, hunk headers muted; a file
 * whose diff did not parse shows as plain text. Only the first
 * {@link DIFF_LINES_SHOWN} lines show until "Show all" is pressed.
 *
 * @param files - The files to show.
 * @param more - Set when `files` hold only the head of the diff: the button loads the rest.
 */
export function DiffView({ files, more }: { files: ShownFile[]; more?: MoreDiff }) {
  const [expanded, setExpanded] = useState(false);
  const total = files.reduce((sum, f) => sum + (f.lines?.length ?? 1), 0);
  let budget = expanded ? Number.POSITIVE_INFINITY : DIFF_LINES_SHOWN;
  const showAll = more ?? (total > DIFF_LINES_SHOWN && !expanded ? { label: `Show all ${total} lines`, busy: false, load: () => {} } : undefined);
  return (
    <div className="diff-view">
      {files.map((file, index) => {
        const shown = file.lines?.slice(0, Math.max(0, budget)) ?? [];
        budget -= file.lines === null ? 1 : shown.length;
        return (
          <section key={index} className="diff-file" aria-label={file.path ?? `file ${index + 1}`}>
            <div className="diff-path">
              {file.kind ? <span className="badge">{file.kind}</span> : null} <code>{file.path ?? "(no path)"}</code>
            </div>
            {file.lines === null ? <pre className="diff diff-raw">{file.raw}</pre> : null}
            {shown.length > 0 ? (
              <pre className="diff">
                {shown.map((line, i) => (
                  <Line key={i} line={line} />
                ))}
              </pre>
            ) : null}
          </section>
        );
      })}
      {showAll ? (
        <button
          type="button"
          className="link"
          disabled={showAll.busy}
          onClick={() => {
            setExpanded(true);
            showAll.load();
          }}
        >
          {showAll.busy ? "Loading the whole diff…" : showAll.label}
        </button>
      ) : null}
    </div>
  );
}

function Line({ line }: { line: DiffLine }) {
  if (line.kind === "add") return <ins className="diff-line diff-add">{line.text}</ins>;
  if (line.kind === "del") return <del className="diff-line diff-del">{line.text}</del>;
  return <span className={`diff-line diff-${line.kind}`}>{line.text}</span>;
}
