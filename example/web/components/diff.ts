/**
 * Diffs as the page shows them, parsed by jsdiff (`parsePatch`): codex's
 * unified diffs (a file change's hunks, a turn's whole `git diff`) and the
 * whole content of an added or deleted file. No React here.
 */
import { parsePatch } from "diff";

/** One shown line: added, removed, context, or a hunk header (`@@ -1,3 +1,3 @@`). */
export type DiffLine = { kind: "add" | "del" | "ctx" | "hunk"; text: string };

/** One file of a diff: its path (when the diff names it) and its lines. */
export type DiffFile = { path: string | undefined; lines: DiffLine[] };

/**
 * One file as the page shows it: its path, what happened to it, and its lines,
 * or null lines when its diff did not parse (then `raw` shows as plain text).
 */
export type ShownFile = { path: string | undefined; kind?: string; lines: DiffLine[] | null; raw: string };

/** What a file change did to a file (codex's `PatchChangeKind.type`). */
export type ChangeKind = "add" | "delete" | "update";

/** A file name of a git diff header without its `a/` or `b/` prefix; undefined for `/dev/null`. */
function cleanPath(name: string | undefined): string | undefined {
  if (name === undefined || name === "" || name === "/dev/null") return undefined;
  return name.replace(/^[ab]\//, "");
}

/** Matches a hunk header, capturing its old and new start lines. */
const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@(.*)$/;

/**
 * The head of a diff made parseable: its cut last line dropped and its last
 * hunk's header counting the lines that are there (jsdiff checks the counts).
 */
function closeLastHunk(head: string): string {
  const lines = head.slice(0, head.lastIndexOf("\n") + 1).split("\n");
  const last = lines.findLastIndex((line) => HUNK_HEADER.test(line));
  if (last < 0) return lines.join("\n");
  const body = lines.slice(last + 1).filter((line) => line !== "" && !line.startsWith("\\"));
  const oldLines = body.filter((line) => !line.startsWith("+")).length;
  const newLines = body.filter((line) => !line.startsWith("-")).length;
  const [, oldStart, newStart, rest] = HUNK_HEADER.exec(lines[last]!)!;
  lines[last] = `@@ -${oldStart},${oldLines} +${newStart},${newLines} @@${rest}`;
  return lines.join("\n");
}

/** A hunk's header as diff writes it (jsdiff adds 1 to the start of an empty side; undone here). */
function hunkHeader(hunk: { oldStart: number; oldLines: number; newStart: number; newLines: number }): string {
  const side = (start: number, lines: number) => `${lines === 0 ? start - 1 : start},${lines}`;
  return `@@ -${side(hunk.oldStart, hunk.oldLines)} +${side(hunk.newStart, hunk.newLines)} @@`;
}

/**
 * Parses a unified diff of one or more files.
 * @param text - Hunks (`@@ ... @@` then ` `, `-`, `+` lines), with or without
 *   `diff --git` / `---` / `+++` headers.
 * @param options.head - `text` is only the head of a longer diff (cut anywhere):
 *   its last line and the counts of its last hunk are not checked.
 * @returns the files with their lines, or null when `text` is not a unified
 *   diff jsdiff can read (no hunk, or a malformed one): show it as plain text.
 */
export function parseUnifiedDiff(text: string, options: { head?: boolean } = {}): DiffFile[] | null {
  let patches: ReturnType<typeof parsePatch>;
  try {
    patches = parsePatch(options.head ? closeLastHunk(text) : text);
  } catch {
    return null;
  }
  if (!patches.some((p) => p.hunks.length > 0)) return null;
  return patches.map((patch) => ({
    path: cleanPath(patch.newFileName) ?? cleanPath(patch.oldFileName),
    lines: patch.hunks.flatMap((hunk) => [
      { kind: "hunk" as const, text: hunkHeader(hunk) },
      ...hunk.lines
        .filter((line) => !line.startsWith("\\"))
        .map((line): DiffLine => ({ kind: line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : "ctx", text: line })),
    ]),
  }));
}

/**
 * A file change's diff as lines: an added file's content as added lines, a
 * deleted file's as removed lines (codex sends their content, not a diff), an
 * update's unified diff parsed.
 * @returns null when an update's diff is not a unified diff (show it as plain text).
 */
export function changeLines(kind: string, diff: string, head = false): DiffLine[] | null {
  if (kind === "add" || kind === "delete") {
    const body = diff.endsWith("\n") ? diff.slice(0, -1) : diff;
    if (body === "") return [];
    const [mark, lineKind] = kind === "add" ? (["+", "add"] as const) : (["-", "del"] as const);
    return body.split("\n").map((text) => ({ kind: lineKind, text: `${mark}${text}` }));
  }
  const files = parseUnifiedDiff(diff, { head });
  return files === null ? null : files.flatMap((f) => f.lines);
}

/** One changed file as the component stores a file change's text: `*** <kind> <path>` then its diff. */
export type StoredChange = { kind: string; path: string; diff: string };

/**
 * Splits a file change item's stored text (`*** update /w/a.ts\n<diff>\n*** add /w/b.ts\n<content>`)
 * into its files. Text before the first header is one change of kind "change".
 */
export function splitStoredChanges(text: string): StoredChange[] {
  const changes: StoredChange[] = [];
  for (const line of text.split("\n")) {
    const header = /^\*\*\* (\S+) (.*)$/.exec(line);
    if (header) changes.push({ kind: header[1]!, path: header[2]!, diff: "" });
    else if (changes.length > 0) changes[changes.length - 1]!.diff += `${line}\n`;
    else if (line !== "") changes.push({ kind: "change", path: "", diff: `${line}\n` });
  }
  // Each change's diff is followed by the "\n" that joins it to the next header, and the split adds one more.
  for (const change of changes) change.diff = change.diff.replace(/\n\n$/, "\n");
  return changes;
}

/**
 * A file change item's stored text as the files to show, each with its kind and lines.
 * @param head - `text` is only the head of the item's text (the last file's diff may be cut).
 */
export function fileChangeFiles(text: string, head = false): ShownFile[] {
  const changes = splitStoredChanges(text);
  return changes.map((change, index) => ({
    path: change.path || undefined,
    kind: change.kind,
    lines: changeLines(change.kind, change.diff, head && index === changes.length - 1),
    raw: change.diff,
  }));
}

/**
 * A turn's diff (`git diff` of the turn) as its files; one plain-text file when it does not parse.
 * @param head - `text` is only the head of the diff.
 */
export function turnDiffFiles(text: string, head = false): ShownFile[] {
  const files = parseUnifiedDiff(text, { head });
  if (files === null) return [{ path: undefined, lines: null, raw: text }];
  return files.map((file) => ({ ...file, raw: "" }));
}

/**
 * The diff an approval request carries (the component's `diff` field:
 * `--- <path> (<kind>)` then that file's diff or content, per file, cut at
 * `MAX_REQUEST_DIFF_CHARS`) as the files to show. A file whose diff does not
 * parse (a cut last one, a diff in another format) shows as plain text; text
 * with no such header is one plain-text file.
 */
export function requestDiffFiles(text: string): ShownFile[] {
  const files: { path: string; kind: string; body: string }[] = [];
  let before = "";
  for (const line of text.replace(/\n$/, "").split("\n")) {
    const header = /^--- (.+) \(([A-Za-z]+)\)$/.exec(line);
    if (header) files.push({ path: header[1]!, kind: header[2]!, body: "" });
    else if (files.length > 0) files[files.length - 1]!.body += `${line}\n`;
    else before += `${line}\n`;
  }
  if (files.length === 0 || before.trim() !== "") return [{ path: undefined, lines: null, raw: text }];
  return files.map(({ path, kind, body }) => {
    // Each file's text ends with the "\n" the component adds after it.
    const diff = body.replace(/\n\n$/, "\n");
    return { path, kind, lines: changeLines(kind, diff), raw: diff };
  });
}
