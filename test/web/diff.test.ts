/**
 * The page's diff parsing as pure functions (example/web/components/diff.ts):
 * codex's unified diffs, the head of a long one, malformed ones, and the
 * component's stored text of a file change.
 */
import { describe, expect, test } from "vitest";
import { changeLines, fileChangeFiles, parseUnifiedDiff, requestDiffFiles, splitStoredChanges, turnDiffFiles } from "../../example/web/components/diff.js";

const GIT_DIFF = [
  "diff --git a/src/a.ts b/src/a.ts",
  "index 1111111..2222222 100644",
  "--- a/src/a.ts",
  "+++ b/src/a.ts",
  "@@ -1,2 +1,2 @@",
  " keep",
  "-old",
  "+new",
  "diff --git a/gone.txt b/gone.txt",
  "deleted file mode 100644",
  "--- a/gone.txt",
  "+++ /dev/null",
  "@@ -1 +0,0 @@",
  "-bye",
  "\\ No newline at end of file",
  "",
].join("\n");

describe("parseUnifiedDiff", () => {
  test("a turn's git diff: each file with its path (no a/ b/ prefix, /dev/null skipped) and its lines by kind", () => {
    expect(parseUnifiedDiff(GIT_DIFF)).toEqual([
      {
        path: "src/a.ts",
        lines: [
          { kind: "hunk", text: "@@ -1,2 +1,2 @@" },
          { kind: "ctx", text: " keep" },
          { kind: "del", text: "-old" },
          { kind: "add", text: "+new" },
        ],
      },
      { path: "gone.txt", lines: [{ kind: "hunk", text: "@@ -1,1 +0,0 @@" }, { kind: "del", text: "-bye" }] },
    ]);
  });

  test("malformed diffs and text with no hunk are null (shown as plain text), never a throw", () => {
    for (const text of ["@@ -1,2 +1,2 @@\n+only one line\n", "@@ -1 +1 @@\nnot a diff line\n", "just some text\n", "", "@@ -a +b @@\n"]) {
      expect(parseUnifiedDiff(text), JSON.stringify(text)).toBeNull();
    }
  });

  test("the head of a long diff, cut anywhere, parses up to its last whole line", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `-old ${i}\n+new ${i}\n`).join("");
    const diff = `--- a/big.txt\n+++ b/big.txt\n@@ -1,50 +1,50 @@\n${lines}`;
    expect(parseUnifiedDiff(diff.slice(0, 300))).toBeNull();
    for (const cut of [120, 300, 301, 555, diff.length - 1]) {
      const files = parseUnifiedDiff(diff.slice(0, cut), { head: true });
      expect(files, `cut at ${cut}`).not.toBeNull();
      const shown = files![0]!.lines.filter((l) => l.kind !== "hunk").map((l) => l.text);
      // Every line shown is a whole line of the diff.
      for (const text of shown) expect(diff.split("\n")).toContain(text);
      expect(shown.length).toBeGreaterThan(0);
    }
  });
});

describe("a file change's stored text", () => {
  const STORED = "*** update /w/a.ts\n@@ -1 +1 @@\n-a\n+b\n\n*** add /w/b.ts\nnew\nfile\n\n*** delete /w/c.ts\nold\n";

  test("splits into its files, each with its kind, path and diff", () => {
    expect(splitStoredChanges(STORED)).toEqual([
      { kind: "update", path: "/w/a.ts", diff: "@@ -1 +1 @@\n-a\n+b\n" },
      { kind: "add", path: "/w/b.ts", diff: "new\nfile\n" },
      { kind: "delete", path: "/w/c.ts", diff: "old\n" },
    ]);
  });

  test("an added file's content shows as added lines, a deleted one's as removed lines, an update's diff parsed", () => {
    expect(fileChangeFiles(STORED).map((f) => ({ path: f.path, kind: f.kind, lines: f.lines?.map((l) => l.text) }))).toEqual([
      { path: "/w/a.ts", kind: "update", lines: ["@@ -1,1 +1,1 @@", "-a", "+b"] },
      { path: "/w/b.ts", kind: "add", lines: ["+new", "+file"] },
      { path: "/w/c.ts", kind: "delete", lines: ["-old"] },
    ]);
    expect(changeLines("add", "")).toEqual([]);
    expect(changeLines("update", "not a diff\n")).toBeNull();
  });

  test("an update whose diff is malformed keeps its raw text for the page to show", () => {
    const [file] = fileChangeFiles("*** update /w/x.ts\n@@ -1,2 +1,2 @@\n+one\n");
    expect(file).toMatchObject({ path: "/w/x.ts", lines: null, raw: "@@ -1,2 +1,2 @@\n+one\n" });
  });

  test("a turn diff that does not parse is one plain-text file", () => {
    expect(turnDiffFiles("garbage")).toEqual([{ path: undefined, lines: null, raw: "garbage" }]);
  });
});

describe("requestDiffFiles", () => {
  test("an approval's diff (`--- <path> (<kind>)` per file): each file by path and kind, its lines parsed", () => {
    const text = "--- /w/a.ts (update)\n@@ -1 +1 @@\n-a\n+b\n\n--- /w/new.txt (add)\nhello\nworld\n\n";
    expect(requestDiffFiles(text)).toEqual([
      {
        path: "/w/a.ts",
        kind: "update",
        lines: [
          { kind: "hunk", text: "@@ -1,1 +1,1 @@" },
          { kind: "del", text: "-a" },
          { kind: "add", text: "+b" },
        ],
        raw: "@@ -1 +1 @@\n-a\n+b\n",
      },
      { path: "/w/new.txt", kind: "add", lines: [{ kind: "add", text: "+hello" }, { kind: "add", text: "+world" }], raw: "hello\nworld\n" },
    ]);
  });

  test("a cut or unparsable update shows as plain text; text with no header is one plain file", () => {
    const [cut] = requestDiffFiles("--- /w/a.ts (update)\n@@ -1,9 +1,9 @@\n-a\n");
    expect(cut).toMatchObject({ path: "/w/a.ts", kind: "update", lines: null, raw: "@@ -1,9 +1,9 @@\n-a\n" });
    expect(requestDiffFiles("just some text")).toEqual([{ path: undefined, lines: null, raw: "just some text" }]);
  });
});
